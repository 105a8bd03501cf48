"""The comparison before a rebuilt index is swapped in (`pipeline.rebuild_guard`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from index.coverage import COVERAGE_FIELDS, SourceCoverage
from index.sqlite_backend import SqliteBackend
from pipeline.quality import INDEX_FIELDS, coverage_by_source
from pipeline.rebuild_guard import SwapRefused, check_swap, drops
from pipeline.settings import GateThresholds
from tests.index import oracle
from tests.index.factory import contract_records, coverage_edge_records, make_record, varied_records

FIELDS = ("title", "status", "phases", "sponsor", "criteria", "sites")


def cov(records: int, **have: int) -> SourceCoverage:
    """``records`` records, all having every field but those given."""
    return SourceCoverage(records, {name: have.get(name, records) for name in FIELDS})


def described(live: dict, new: dict, **thresholds: float) -> list[str]:
    return [d.describe() for d in drops(live, new, GateThresholds(**thresholds))]  # type: ignore[arg-type]


def test_a_fall_in_trials_beyond_the_share_allowed_is_a_drop() -> None:
    live = {"ctgov": cov(100), "listing": cov(40)}
    assert described(live, {"ctgov": cov(91), "listing": cov(40)}) == []
    assert described(live, {"ctgov": cov(100), "listing": cov(23)}) == [
        "source listing: trials live 40, new 23 (-42.5%; allowed -10.0%)"
    ]
    assert described(live, {"ctgov": cov(100)}, max_count_drop=0.5) == [
        "source listing: trials live 40, new 0 (-100.0%; allowed -50.0%)"
    ]


def test_no_trials_in_place_of_some_is_always_a_drop() -> None:
    live = {"ctgov": cov(12)}
    assert len(described(live, {}, max_count_drop=1.0)) == 1
    # Judging only some sources does not excuse an empty index.
    assert drops(live, {}, GateThresholds(), sources={"listing"})
    assert drops({}, {}, GateThresholds()) == []


def test_coverage_drops_are_judged_per_field_above_min_items() -> None:
    live = {"listing": cov(40)}
    new = {"listing": cov(38, criteria=8, sites=35)}
    assert described(live, new) == [
        "source listing: coverage of criteria live 100.0%, new 21.1% (-78.9 points; allowed -10.0)"
    ]
    # Too few live records for their shares to mean anything: counts only.
    assert described({"listing": cov(9)}, {"listing": cov(9, criteria=0)}) == []
    assert described({"listing": cov(10)}, {"listing": cov(9, criteria=0)}) == [
        "source listing: coverage of criteria live 100.0%, new 0.0% (-100.0 points; allowed -10.0)"
    ]


def test_new_sources_and_sources_not_judged_are_no_reason_to_refuse() -> None:
    live = {"ctgov": cov(50), "other": cov(20)}
    assert described(live, {"ctgov": cov(50), "other": cov(20), "listing": cov(3)}) == []
    assert drops(live, {"ctgov": cov(50)}, GateThresholds(), sources={"ctgov"}) == []


@pytest.fixture
def live(tmp_path: Path) -> SqliteBackend:
    backend = SqliteBackend(tmp_path / "live.sqlite")
    backend.index_records(varied_records(40))
    return backend


def test_check_swap_refuses_names_both_sides_and_writes_them(
    live: SqliteBackend, tmp_path: Path
) -> None:
    report = tmp_path / "comparison.json"
    emptied = [make_record(n, sites=[], site_count=None) for n in range(1, 41)]
    with pytest.raises(SwapRefused) as refused:
        check_swap(
            live,
            coverage_by_source(emptied[:20]),
            GateThresholds(),
            where="SQLite live.sqlite",
            force_hint="use the force",
            report=report,
        )
    message = str(refused.value)
    assert message.startswith("rebuilt index not swapped into SQLite live.sqlite: ")
    assert "source test: trials live 32, new 16 (-50.0%; allowed -10.0%)" in message
    assert (
        "source test: coverage of sites live 75.0%, new 0.0% (-75.0 points; allowed -10.0)"
        in message
    )
    assert "source other: trials live 8, new 4" in message
    assert message.endswith(
        f"still serving; both sides are in {report}. If the drop is expected, use the force."
    )
    written = json.loads(report.read_text())
    assert written["swap"] == "refused" and len(written["drops"]) == 3
    assert all(drop in message for drop in written["drops"])
    assert written["live"]["test"]["records"] == 32 and written["new"]["test"]["records"] == 16
    assert written["live"]["test"]["coverage"]["sites"] == 0.75
    assert live.count() == 40


def test_a_forced_swap_still_compares_and_says_so(
    live: SqliteBackend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = tmp_path / "comparison.json"
    with caplog.at_level(logging.WARNING, logger="trialdex.pipeline"):
        comparison = check_swap(live, {}, GateThresholds(), where="x", force=True, report=report)
    assert comparison["swap"] == "forced" and len(comparison["drops"]) == 2
    assert json.loads(report.read_text())["swap"] == "forced"
    assert "forced swap into x despite: source other: trials live 8, new 0" in caplog.text


def test_an_equal_index_is_swapped(live: SqliteBackend) -> None:
    same = coverage_by_source(varied_records(40))
    assert check_swap(live, same, GateThresholds(), where="x")["swap"] == "allowed"


def test_the_records_side_counts_as_the_index_does() -> None:
    """What `SearchBackend.coverage_by_source` answers (the contract tests), the records
    count as before they are indexed."""
    everything = [*contract_records(), *coverage_edge_records()]
    assert set(INDEX_FIELDS) == set(COVERAGE_FIELDS)
    assert coverage_by_source(everything) == oracle.expected_coverage(everything)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("es", marks=pytest.mark.elasticsearch)])
def test_a_refused_reparse_swaps_nothing_on_either_backend(
    kind: str, request: pytest.FixtureRequest, ctgov_api: str, tmp_path: Path
) -> None:
    from pipeline.crawl import crawl_source
    from pipeline.indexing import index_partition
    from pipeline.parse import parse_source
    from pipeline.partitions import Partition
    from pipeline.reparse import rebuild_index, reparse_records
    from pipeline.settings import BackendConfig
    from sources.ctgov import CtgovSource
    from tests.pipeline.conftest import SUBSET

    part = Partition.of(tmp_path, "ctgov", "2026-01-01", "2026-01-02")
    crawl_source(part, CtgovSource(ctgov_api), since=None)
    parse_source(part, CtgovSource(ctgov_api))
    if kind == "es":
        url = request.getfixturevalue("es_server").url
        backend = BackendConfig("es", url=url, alias=request.getfixturevalue("es_index_name"))
    else:
        backend = BackendConfig("sqlite", path=tmp_path / "index.sqlite")
    index_partition(part, backend)
    search = backend.open()
    before = search.health()
    search.close()

    empty = reparse_records(tmp_path, "empty", {}, raw_root=tmp_path / "no-raw")
    with pytest.raises(SwapRefused, match=f"source ctgov: trials live {SUBSET}, new 0"):
        rebuild_index(empty, backend)
    search = backend.open()
    try:
        assert search.health() == before  # same index (alias target or file), same count
    finally:
        search.close()

    result = rebuild_index(reparse_records(tmp_path, "full", {}), backend)
    assert result["swap"] == "allowed" and result["indexed"] == SUBSET
