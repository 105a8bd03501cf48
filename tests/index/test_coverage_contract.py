"""`SearchBackend.coverage_by_source` on both backends against the oracle."""

from __future__ import annotations

import pytest

from index.backend import SearchBackend
from index.coverage import COVERAGE_FIELDS
from parsers.records import TrialRecord
from tests.index import oracle
from tests.index.factory import coverage_edge_records


@pytest.fixture
def covered(empty_backend: SearchBackend, records: list[TrialRecord]) -> list[TrialRecord]:
    everything = [*records, *coverage_edge_records()]
    assert empty_backend.index_records(everything).ok
    return everything


def test_coverage_by_source_matches_the_oracle(
    empty_backend: SearchBackend, covered: list[TrialRecord]
) -> None:
    got = empty_backend.coverage_by_source()
    assert got == oracle.expected_coverage(covered)
    assert set(got) == {"test", "other", "listing", "ctgov"}
    # Every field but the title (the contract requires one) is had by some and lacked by others.
    for name in set(COVERAGE_FIELDS) - {"title"}:
        assert 0 < sum(c.have[name] for c in got.values()) < len(covered), name


def test_coverage_follows_deletes_and_rebuilds(
    empty_backend: SearchBackend, covered: list[TrialRecord]
) -> None:
    empty_backend.delete([r.id for r in covered if r.source.name == "other"])
    left = [r for r in covered if r.source.name != "other"]
    assert empty_backend.coverage_by_source() == oracle.expected_coverage(left)
    empty_backend.rebuild(lambda: iter(coverage_edge_records()))
    assert empty_backend.coverage_by_source() == oracle.expected_coverage(coverage_edge_records())


def test_an_empty_index_covers_nothing(empty_backend: SearchBackend) -> None:
    assert empty_backend.coverage_by_source() == {}
