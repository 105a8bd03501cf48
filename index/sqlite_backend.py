"""SQLite backend (being built)."""

from __future__ import annotations

from pathlib import Path


class SqliteBackend:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
