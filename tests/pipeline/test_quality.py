import pytest

from pipeline.partitions import Partition, write_json
from pipeline.quality import (
    KEY_FIELDS,
    QualityGateError,
    compare,
    make_stats,
    quality_gate,
    record_success,
)
from pipeline.settings import GateThresholds
from tests.pipeline.records import record


def stats_of(full: int, bare: int, failures: int = 0) -> dict:
    records = [record(i) for i in range(full)] + [record(100 + i, full=False) for i in range(bare)]
    return make_stats(
        pages=len(records) + failures,
        items=len(records) + failures,
        failures=failures,
        records=records,
    )


def test_stats_count_coverage_of_every_key_field():
    stats = stats_of(full=3, bare=1, failures=1)
    assert stats["records"] == 4
    assert stats["failure_rate"] == pytest.approx(0.2)
    assert set(stats["coverage"]) == set(KEY_FIELDS)
    assert stats["coverage"]["title"] == 1.0
    assert stats["coverage"]["sponsor"] == pytest.approx(0.75)


def test_compare_names_each_metric_that_got_worse():
    before, after = stats_of(full=10, bare=0), stats_of(full=2, bare=8, failures=5)
    problems = compare(after, before, GateThresholds())
    named = {p.metric for p in problems}
    assert named == {"failure_rate", "phases", "sponsor", "criteria", "sites"}
    sponsor = next(p for p in problems if p.metric == "sponsor").describe()
    assert "coverage of sponsor dropped from 100.0% to 20.0%" in sponsor
    assert "-80.0 points" in sponsor


def test_small_changes_within_thresholds_pass():
    before, after = stats_of(full=20, bare=0), stats_of(full=19, bare=1)
    assert compare(after, before, GateThresholds(max_coverage_drop=0.1)) == []
    assert compare(after, before, GateThresholds(max_coverage_drop=0.01))


def test_without_a_baseline_only_the_ceiling_applies():
    assert compare(stats_of(full=0, bare=5), None, GateThresholds()) == []
    problems = compare(stats_of(full=1, bare=0, failures=9), None, GateThresholds())
    assert [p.metric for p in problems] == ["failure_rate_ceiling"]


def _partition(tmp_path, day: int) -> Partition:
    return Partition.of(tmp_path, "listing_x", f"2026-01-{day:02d}", f"2026-01-{day + 1:02d}")


def test_gate_compares_with_the_latest_earlier_successful_run(tmp_path):
    first = _partition(tmp_path, 1)
    write_json(first.path("stats.json"), stats_of(full=10, bare=0))
    quality_gate(first, GateThresholds())
    record_success(first)

    second = _partition(tmp_path, 2)
    write_json(second.path("stats.json"), stats_of(full=0, bare=10))
    with pytest.raises(QualityGateError) as caught:
        quality_gate(second, GateThresholds())
    message = str(caught.value)
    assert "20260101T000000Z_20260102T000000Z" in message
    assert "coverage of sponsor dropped from 100.0% to 0.0%" in message
    assert "quarantine.jsonl" in message
    assert (second.dir / "gate.json").exists()


def test_rerunning_an_interval_compares_with_the_interval_before_not_itself(tmp_path):
    first, second = _partition(tmp_path, 1), _partition(tmp_path, 2)
    write_json(first.path("stats.json"), stats_of(full=10, bare=0))
    record_success(first)
    write_json(second.path("stats.json"), stats_of(full=10, bare=0))
    quality_gate(second, GateThresholds())
    record_success(second)
    # The first interval rerun later: its baseline is not the later run.
    verdict = quality_gate(first, GateThresholds())
    assert verdict["passed"] and verdict["baseline"] is None


def test_small_runs_are_held_to_the_ceiling_only(tmp_path):
    first, small = _partition(tmp_path, 1), _partition(tmp_path, 2)
    write_json(first.path("stats.json"), stats_of(full=20, bare=0))
    record_success(first)
    write_json(small.path("stats.json"), stats_of(full=0, bare=3))  # 3 bare updates
    assert quality_gate(small, GateThresholds(min_items=10))["passed"]
    with pytest.raises(QualityGateError, match="coverage of phases"):
        quality_gate(small, GateThresholds(min_items=3))
    write_json(small.path("stats.json"), stats_of(full=0, bare=1, failures=3))
    with pytest.raises(QualityGateError, match="above the ceiling"):
        quality_gate(small, GateThresholds(min_items=10))


def test_a_run_with_no_changed_pages_passes_and_is_no_baseline(tmp_path):
    first, empty, third = _partition(tmp_path, 1), _partition(tmp_path, 2), _partition(tmp_path, 3)
    write_json(first.path("stats.json"), stats_of(full=10, bare=0))
    record_success(first)
    write_json(empty.path("stats.json"), stats_of(full=0, bare=0))
    assert quality_gate(empty, GateThresholds())["passed"]
    record_success(empty)
    write_json(third.path("stats.json"), stats_of(full=0, bare=10))
    with pytest.raises(QualityGateError, match="20260101T000000Z"):
        quality_gate(third, GateThresholds())


def test_thresholds_from_json_refuse_unknown_names():
    from parsers.errors import ConfigurationError

    assert GateThresholds.from_mapping('{"max_coverage_drop": 0.2}').max_coverage_drop == 0.2
    with pytest.raises(ConfigurationError, match="max_drop"):
        GateThresholds.from_mapping({"max_drop": 1})
    with pytest.raises(ConfigurationError, match="must be a number"):
        GateThresholds.from_mapping({"min_items": "many"})


def test_ctgov_harvests_everything_until_an_earlier_interval_succeeded(tmp_path):
    from pipeline.dagtasks import fetch_since

    first, second = _partition(tmp_path, 1), _partition(tmp_path, 2)
    assert fetch_since({}, second) is None  # never harvested: everything
    write_json(first.path("stats.json"), stats_of(full=1, bare=0))
    record_success(first)
    assert fetch_since({}, second) == second.start
    assert fetch_since({}, first) is None  # the first interval, rerun, stays full
    assert fetch_since({"full_harvest": True}, second) is None
    assert fetch_since({"since": "2025-06-01"}, second).isoformat() == "2025-06-01T00:00:00+00:00"
