"""What only the embedded backend has: bitmaps, facet time limit, threads, its file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import index
from index import sqlite_backend
from index.search_models import SearchRequest
from index.sqlite_backend import SqliteBackend
from index.sqlite_postings import Membership, bitmap, positions
from parsers.errors import ServiceError
from tests.index.factory import contract_records, make_record


@pytest.fixture
def filled(tmp_path: Path) -> SqliteBackend:
    backend = SqliteBackend(tmp_path / "t.sqlite")
    backend.index_records(contract_records())
    return backend


def test_bitmap_helpers() -> None:
    bits = bitmap([0, 3, 9, 64, 1000], 1001)
    assert positions(bits) == [0, 3, 9, 64, 1000]
    assert bits.bit_count() == 5
    inside = Membership(bits)
    assert 9 in inside and 10 not in inside and 5000 not in inside
    assert positions(0) == [] and 0 not in Membership(0)


def test_facets_over_the_time_limit_are_reported_not_fatal(
    filled: SqliteBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_backend, "FACET_TIME_LIMIT_S", -1.0)
    response = filled.search(SearchRequest(q="myeloma", facets=["phase", "country"]))
    assert response.total > 0 and response.hits
    assert response.facets_timed_out == ["phase", "country"]
    assert all(f.timed_out and not f.values for f in response.facets)


def test_writes_are_seen_by_the_next_search(filled: SqliteBackend) -> None:
    before = filled.search(SearchRequest(facets=["phase"], size=0)).facets[0]
    filled.index_records([make_record(500, phases=["EARLY_PHASE1"])])
    after = filled.search(SearchRequest(facets=["phase"], size=0)).facets[0]
    counts = {v.value: v.count for v in after.values}
    assert counts.get("EARLY_PHASE1") == 1
    assert "EARLY_PHASE1" not in {v.value for v in before.values}


def test_searches_from_many_threads(filled: SqliteBackend) -> None:
    expected = filled.search(SearchRequest(q="study", filters={"phase": ["PHASE2"]})).total
    seen: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                request = SearchRequest(q="study", filters={"phase": ["PHASE2"]})
                seen.append(filled.search(request).total)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and seen == [expected] * 80


def test_open_backend_defaults_to_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.setenv("TRIALDEX_SQLITE", str(tmp_path / "env.sqlite"))
    backend = index.open_backend()
    assert isinstance(backend, SqliteBackend) and backend.path == tmp_path / "env.sqlite"
    assert backend.health()["ok"] is True
    backend.close()


def test_a_file_from_another_layout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    backend = SqliteBackend(path)
    backend.setup()
    backend._conn().execute("UPDATE meta SET value = 'x' WHERE key = 'layout'")
    backend.close()
    with pytest.raises(ServiceError, match="another Trialdex version"):
        SqliteBackend(path).count()
