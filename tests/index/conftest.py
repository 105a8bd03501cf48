"""Backends for the contract suite: SQLite in a temp file and the real Elasticsearch 9."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.backend import SearchBackend
from parsers.records import TrialRecord
from tests.index.factory import contract_records


@pytest.fixture(scope="session")
def records() -> list[TrialRecord]:
    return contract_records()


def _open(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> SearchBackend:
    if kind == "sqlite":
        from index.sqlite_backend import SqliteBackend

        return SqliteBackend(tmp_path / "trials.sqlite")
    from index.es_backend import ElasticsearchBackend

    client: Any = request.getfixturevalue("es_client")
    alias: str = request.getfixturevalue("es_index_name")
    return ElasticsearchBackend(client, alias=alias)


@pytest.fixture(params=["sqlite", pytest.param("es", marks=pytest.mark.elasticsearch)])
def empty_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """A set-up backend with nothing in it; each ES test has its own alias."""
    backend = _open(request.param, request, tmp_path)
    backend.setup()
    yield backend
    if request.param == "sqlite":
        backend.close()


@pytest.fixture
def backend(empty_backend: SearchBackend, records: list[TrialRecord]) -> SearchBackend:
    """A backend holding the contract records."""
    report = empty_backend.index_records(records)
    assert report.ok and report.indexed == len(records), report.failures
    return empty_backend
