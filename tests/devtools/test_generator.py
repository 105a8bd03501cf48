"""The record generator: valid, deterministic records with the corpus's distributions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from devtools.bench_index import goal_ratios, mixed_queries
from devtools.generator import RecordGenerator, derive_tables, load_tables
from parsers.records import TrialRecord


def test_generated_records_are_valid_and_deterministic() -> None:
    first = [RecordGenerator(seed=3).record(n) for n in range(1, 201)]
    again = [RecordGenerator(seed=3).record(n) for n in range(1, 201)]
    assert first == again
    assert len({r.id for r in first}) == 200
    assert all(isinstance(r, TrialRecord) and r.conditions for r in first)
    with_sites = [r for r in first if r.sites]
    assert with_sites and all(s.geo is not None for r in with_sites for s in r.sites)
    assert RecordGenerator(seed=4).record(1) != first[0]


def test_generated_phases_follow_the_tables() -> None:
    tables = load_tables()
    records = list(RecordGenerator(seed=1).records(2000))
    got = Counter("|".join(p.value for p in r.phases) for r in records)
    total = sum(count for _, count in tables["phases"])
    for combo, count in tables["phases"]:
        expected = count / total * len(records)
        if expected >= 100:
            assert abs(got[combo] - expected) < 0.25 * expected, combo


def test_tables_are_derived_from_the_corpus(corpus: Path) -> None:
    derived = derive_tables(corpus)
    committed = load_tables()
    assert derived.keys() == committed.keys()
    assert derived["studies"] >= 500
    # The most common condition and place are stable under parser fixes.
    assert derived["conditions"][0][0] == committed["conditions"][0][0]
    assert derived["places"][0][:3] == committed["places"][0][:3]


def test_bench_queries_have_text_three_filters_and_eight_facets() -> None:
    for request in mixed_queries(30, seed=5):
        assert request.q and len(request.facet_names()) == 8
        filters = len(request.filters) + (request.min_age is not None) + (request.near is not None)
        assert filters == 3


def test_bench_reports_each_figure_over_its_goal() -> None:
    rows = [
        {"backend": "elasticsearch", "records": 500_000, "index_docs_s": 4000,
         "p50_ms": 30.0, "p99_ms": 50.0},
        {"backend": "sqlite", "records": 100_000, "index_docs_s": 900, "p50_ms": 9.0,
         "p99_ms": 125.0},
    ]  # fmt: skip
    assert goal_ratios(rows) == [
        "indexing: slowest 4,000 docs/s = 0.80x the 5,000 docs/s goal",
        "elasticsearch 500,000 p50: 30.0 ms = 1.50x the 20 ms limit",
        "elasticsearch 500,000 p99: 50.0 ms = 0.50x the 100 ms limit",
        "sqlite 100,000 p99: 125.0 ms = 0.50x the 250 ms limit",
    ]
