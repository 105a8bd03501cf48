"""Elasticsearch backend (being built)."""

from __future__ import annotations


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, url: str, *, alias: str = "trials") -> None:
        self.url = url
        self.alias = alias
