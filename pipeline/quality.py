"""Record statistics and the quality gate that stops a run when a source changed under us.

A site that changes its layout does not make the parser crash: it makes it
find less. The gate therefore compares this run with the previous successful
one (the latest earlier interval in the source's state file) and fails,
naming each metric, when the parse-failure rate rises or the share of records
carrying a key field falls beyond the thresholds.

An alarm stays up. The gate judges the state of the source, not only what
was new in the run: when a run fails, the source's state file keeps the
alarm, and a later run that parsed nothing new (the changed pages answer 304,
or hash the same) fails again, naming the run that raised it. The alarm
clears when a run's pages parse well again, or when an operator accepts the
change (the run param ``accept_layout_change``): the accepted run passes and
becomes the new baseline.

The baseline moves in its own step (`advance_baseline`, after the run was
indexed), never inside the gate or reconcile: a run that fails later is never
compared against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from index.coverage import SourceCoverage, tally
from parsers.errors import TrialdexError
from parsers.records import TrialRecord
from pipeline.partitions import Partition, read_json, write_json
from pipeline.settings import GateThresholds

# The fields a useful trial record has; a layout change usually loses one of them.
KEY_FIELDS: dict[str, Callable[[TrialRecord], bool]] = {
    "title": lambda r: bool(r.title),
    "phases": lambda r: bool(r.phases),
    "sponsor": lambda r: r.sponsor is not None and bool(r.sponsor.name),
    "criteria": lambda r: bool(r.eligibility.inclusion or r.eligibility.exclusion),
    "sites": lambda r: bool(r.sites) or bool(r.site_count),
}

# A rebuilt index is judged on the key fields and on the status, which the search
# facets show (`index.coverage.COVERAGE_FIELDS` has the same names and meanings).
INDEX_FIELDS: dict[str, Callable[[TrialRecord], bool]] = {
    **KEY_FIELDS,
    "status": lambda r: r.status is not None,
}

STATE_KEEP = 60  # past runs kept in the state file


class QualityGateError(TrialdexError):
    """The run's output is worse than the previous run's beyond the thresholds."""


def coverage(records: Iterable[TrialRecord]) -> tuple[int, dict[str, int]]:
    """Number of records and, per key field, how many have it."""
    total = 0
    have = dict.fromkeys(KEY_FIELDS, 0)
    for record in records:
        total += 1
        for name, present in KEY_FIELDS.items():
            if present(record):
                have[name] += 1
    return total, have


def coverage_by_source(records: Iterable[TrialRecord]) -> dict[str, SourceCoverage]:
    """Per ``record.source.name``: records and how many have each of `INDEX_FIELDS`;
    what `SearchBackend.coverage_by_source` answers for an index holding them."""
    return tally(records, lambda r: r.source.name, INDEX_FIELDS)


def make_stats(
    *, pages: int, items: int, failures: int, records: Iterable[TrialRecord]
) -> dict[str, Any]:
    """Stats of one partition: pages read, items tried, failures, coverage of key fields."""
    total, have = coverage(records)
    return {
        "pages": pages,
        "items": items,
        "failures": failures,
        "records": total,
        "failure_rate": failures / items if items else 0.0,
        "coverage": {name: (count / total if total else 0.0) for name, count in have.items()},
    }


@dataclass(frozen=True)
class Problem:
    metric: str
    before: float
    after: float
    allowed: float

    def describe(self) -> str:
        change = (self.after - self.before) * 100
        if self.metric == "failure_rate":
            return (
                f"parse failure rate rose from {self.before:.1%} to {self.after:.1%} "
                f"({change:+.1f} points; allowed +{self.allowed * 100:.1f})"
            )
        if self.metric == "failure_rate_ceiling":
            return f"parse failure rate {self.after:.1%} is above the ceiling {self.allowed:.1%}"
        return (
            f"coverage of {self.metric} dropped from {self.before:.1%} to {self.after:.1%} "
            f"({change:+.1f} points; allowed -{self.allowed * 100:.1f})"
        )


def compare(
    stats: dict[str, Any], baseline: dict[str, Any] | None, thresholds: GateThresholds
) -> list[Problem]:
    """Every metric of ``stats`` that is out of bounds (against ``baseline`` when given)."""
    problems: list[Problem] = []
    rate = float(stats["failure_rate"])
    if rate > thresholds.max_failure_rate:
        problems.append(Problem("failure_rate_ceiling", 0.0, rate, thresholds.max_failure_rate))
    if baseline is None:
        return problems
    before = float(baseline["failure_rate"])
    if rate - before > thresholds.max_failure_rate_increase:
        problems.append(Problem("failure_rate", before, rate, thresholds.max_failure_rate_increase))
    for name in KEY_FIELDS:
        was = float(baseline["coverage"].get(name, 0.0))
        now = float(stats["coverage"].get(name, 0.0))
        if was - now > thresholds.max_coverage_drop:
            problems.append(Problem(name, was, now, thresholds.max_coverage_drop))
    return problems


def _comparable(stats: dict[str, Any], thresholds: GateThresholds) -> bool:
    return int(stats.get("items", 0)) >= max(thresholds.min_items, 1)


def baseline_for(
    partition: Partition, thresholds: GateThresholds
) -> tuple[str, dict[str, Any]] | None:
    """The latest successful run of an earlier interval with enough items to compare with."""
    state = partition.state()
    earlier = [
        (key, run["stats"])
        for key, run in state.get("runs", {}).items()
        if key < partition.key and _comparable(run["stats"], thresholds)
    ]
    return max(earlier, key=lambda item: item[0]) if earlier else None


def has_earlier_success(partition: Partition) -> bool:
    """Whether a run of an earlier interval of this source completed."""
    state = partition.state()
    return any(key < partition.key for key in state.get("runs", {}))


ALARM = "alarm"


def quality_gate(
    partition: Partition, thresholds: GateThresholds, *, accept: bool = False
) -> dict[str, Any]:
    """Judge the partition's stats.json; raise `QualityGateError` naming every bad metric.

    ``accept``: the operator accepts the source's change; the run passes and clears
    the alarm (its problems are still written to gate.json)."""
    stats: dict[str, Any] = read_json(partition.dir / "stats.json")
    if stats is None:
        raise QualityGateError(f"{partition.describe()}: no stats.json (run the parse step first)")
    verdict: dict[str, Any] = {"stats": stats, "thresholds": thresholds.to_dict()}
    items = int(stats.get("items", 0))
    alarm = _alarm(partition)
    if items == 0:
        if alarm is not None and not accept:
            verdict.update(passed=False, problems=alarm["problems"], alarm=alarm)
            write_json(partition.path("gate.json"), verdict)
            raise QualityGateError(
                f"quality gate failed for {partition.describe()}: nothing new was parsed, and "
                f"the source still fails as it did in the run of {alarm['run']}: "
                + "; ".join(alarm["problems"])
                + ". Fix the parser and trigger trialdex_reparse, or accept the change with "
                "the run param accept_layout_change."
            )
        # A quiet day: nothing changed at the source, so nothing to judge.
        verdict.update(passed=True, note="nothing new was parsed in this run")
        if accept:
            _set_alarm(partition, None)
            verdict["accepted"] = True
        write_json(partition.path("gate.json"), verdict)
        return verdict
    base = baseline_for(partition, thresholds) if _comparable(stats, thresholds) else None
    if not _comparable(stats, thresholds):
        verdict["note"] = f"only {items} item(s): checked against the failure ceiling only"
    problems = compare(stats, base[1] if base else None, thresholds)
    verdict.update(
        baseline=base[0] if base else None,
        passed=not problems,
        problems=[p.describe() for p in problems],
    )
    if problems and accept:
        verdict.update(passed=True, accepted=True)
    write_json(partition.path("gate.json"), verdict)
    if problems and not accept:
        _set_alarm(partition, {"run": partition.key, "problems": verdict["problems"]})
        against = f" against the run of {base[0]}" if base else ""
        raise QualityGateError(
            f"quality gate failed for {partition.describe()}{against}: "
            + "; ".join(p.describe() for p in problems)
            + f". The source may have changed its layout; failed pages are in "
            f"{partition.dir / 'quarantine.jsonl'}. Nothing from this run was indexed. "
            "Fix the parser and trigger trialdex_reparse, or accept the change with the "
            "run param accept_layout_change."
        )
    _set_alarm(partition, None)
    return verdict


def _alarm(partition: Partition) -> dict[str, Any] | None:
    """The source's standing alarm, unless this very run raised it (a rerun judges afresh)."""
    state = partition.state()
    alarm: dict[str, Any] | None = state.get(ALARM)
    if alarm is None or alarm.get("run") == partition.key:
        return None
    return alarm


def _set_alarm(partition: Partition, alarm: dict[str, Any] | None) -> None:
    state = partition.state()
    if state.get(ALARM) == alarm:
        return
    if alarm is None:
        state.pop(ALARM, None)
    else:
        state[ALARM] = alarm
    partition.save_state(state)


def advance_baseline(partition: Partition) -> dict[str, Any]:
    """The baseline step: a run that passed the gate and was indexed becomes the baseline
    of later runs. Anything else raises: such a run is never compared against."""
    gate = read_json(partition.dir / "gate.json")
    if not (gate or {}).get("passed"):
        raise QualityGateError(
            f"{partition.describe()}: the run did not pass the quality gate; not a baseline"
        )
    if read_json(partition.dir / "index.json") is None:
        raise QualityGateError(f"{partition.describe()}: the run was not indexed; not a baseline")
    record_success(partition)
    return {"source": partition.source, "baseline": partition.key}


def record_success(partition: Partition) -> None:
    """Keep this partition's stats as a baseline for later runs (idempotent per interval)."""
    stats = read_json(partition.dir / "stats.json")
    if stats is None:
        return
    state = partition.state()
    runs: dict[str, Any] = dict(state.get("runs", {}))
    runs[partition.key] = {"stats": stats}
    partition.save_state({**state, "runs": dict(sorted(runs.items())[-STATE_KEEP:])})
