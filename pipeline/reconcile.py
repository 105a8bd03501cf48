"""Reconcile step: what the source says it has against what is searchable.

A source states totals (ClinicalTrials.gov's ``totalCount``, a listing page's
"<N> <Condition> Trials") and may list its trials (a listing site's cards);
the index holds what the pipeline managed to get there. Two numbers judge the
run, each as a share of what the source states (the listed trials when it
lists them, else its stated total):

* **missing**: trials the source lists but that are not searchable, trials
  this run parsed that are not searchable, or (when it only states a total)
  how far the searchable count falls short of it;
* **extra**: searchable trials the source no longer lists, or how far the
  searchable count exceeds its stated total.

Beyond ``max_missing`` or ``max_extra`` the step fails, naming the ids (up to
`SHOWN_IDS` of them; the counts are complete). Everything is written to
``reconcile.json`` either way. The quality baseline is not this step's
business (`pipeline.quality.advance_baseline`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parsers.errors import TrialdexError
from parsers.records import read_records
from pipeline.partitions import Partition, write_json
from pipeline.settings import BackendConfig
from sources.base import Source, common_prefix

SHOWN_IDS = 50  # ids listed in the report; the counts are always complete


class ReconcileError(TrialdexError):
    """What is searchable differs from what the source states beyond the thresholds."""


def _searchable(backend: BackendConfig, source_name: str, prefix: str | None) -> set[str]:
    search = backend.open()
    try:
        ids = search.ids(source_name)
    finally:
        search.close()
    return {i for i in ids if prefix is None or i.startswith(prefix)}


def _partition_ids(partition: Partition) -> list[str]:
    path = partition.dir / "records.jsonl"
    return [r.id for r in read_records(path)] if path.exists() else []


def reconcile(
    partition: Partition,
    backend: BackendConfig,
    *,
    source_name: str,
    stated_total: int | None,
    stated_detail: dict[str, Any] | None = None,
    listed_ids: Iterable[str] | None = None,
    id_prefix: str | None = None,
    max_missing: float = 0.10,
    max_extra: float = 0.10,
) -> dict[str, Any]:
    """Compare stated totals, the partition's records and the index; write reconcile.json;
    raise `ReconcileError` beyond the thresholds (see the module docstring)."""
    searchable = _searchable(backend, source_name, id_prefix)
    parsed = _partition_ids(partition)
    not_indexed = sorted(set(parsed) - searchable)
    report: dict[str, Any] = {
        "source": partition.source,
        "partition": str(partition.dir),
        "backend": backend.describe(),
        "stated_total": stated_total,
        "searchable": len(searchable),
        "difference": None if stated_total is None else stated_total - len(searchable),
        "partition_records": len(parsed),
        "partition_not_searchable": len(not_indexed),
        "partition_not_searchable_ids": not_indexed[:SHOWN_IDS],
    }
    if stated_detail:
        report["stated_detail"] = stated_detail
    missing = set(not_indexed)
    extra: set[str] = set()
    shortfall = surplus = 0
    base = stated_total
    if listed_ids is not None:
        listed = set(listed_ids)
        not_listed = sorted(listed - searchable)
        missing |= set(not_listed)
        extra = searchable - listed
        base = len(listed)
        report.update(
            listed=len(listed),
            listed_not_searchable=len(not_listed),
            listed_not_searchable_ids=not_listed[:SHOWN_IDS],
        )
    elif stated_total is not None:
        shortfall = max(stated_total - len(searchable), 0)
        surplus = max(len(searchable) - stated_total, 0)
    report.update(
        missing=max(len(missing), shortfall),
        missing_ids=sorted(missing)[:SHOWN_IDS],
        extra=max(len(extra), surplus),
        extra_ids=sorted(extra)[:SHOWN_IDS],
        thresholds={"max_missing": max_missing, "max_extra": max_extra},
    )
    write_json(partition.path("reconcile.json"), report)
    problems = _problems(report, base, max_missing, max_extra)
    if problems:
        raise ReconcileError(
            f"reconcile failed for {partition.describe()} ({backend.describe()}): "
            + "; ".join(problems)
            + f". Details in {partition.dir / 'reconcile.json'}"
        )
    return report


def _problems(
    report: dict[str, Any], base: int | None, max_missing: float, max_extra: float
) -> list[str]:
    """What is out of bounds, each with its count, its share, the allowed share and ids."""
    if not base:
        # The source states nothing to compare with; only parsed-but-not-searchable counts.
        base = report["partition_records"]
    if not base:
        return []
    found = []
    for kind, allowed, what in (
        ("missing", max_missing, "of the source's trials are not searchable"),
        ("extra", max_extra, "searchable trials are not stated by the source"),
    ):
        count = int(report[kind])
        if count / base > allowed:
            ids = report[f"{kind}_ids"]
            shown = f": {', '.join(ids)}" + (" ..." if count > len(ids) else "") if ids else ""
            found.append(
                f"{count} {what} ({count / base:.1%} of {base}; allowed {allowed:.0%}){shown}"
            )
    return found


def describe(report: dict[str, Any]) -> str:
    """One line for logs and the demo."""
    stated = report.get("stated_total")
    text = f"{report['source']}: {report['searchable']} searchable"
    if stated is not None:
        text += f", source states {stated} (difference {report['difference']:+d})"
    if report.get("partition_not_searchable"):
        text += (
            f"; {report['partition_not_searchable']} parsed record(s) of this run not searchable"
        )
    if report.get("listed_not_searchable"):
        text += f"; {report['listed_not_searchable']} listed trial(s) not searchable"
    return text


def reconcile_source(
    partition: Partition,
    backend: BackendConfig,
    source: Source,
    *,
    max_missing: float = 0.10,
    max_extra: float = 0.10,
) -> dict[str, Any]:
    """Reconcile with what ``source`` states about itself now."""
    stated = source.stated(partition.raw_dir)
    return reconcile(
        partition,
        backend,
        source_name=source.index_source,
        stated_total=stated.total,
        stated_detail=stated.detail,
        listed_ids=stated.listed_ids,
        id_prefix=stated.id_prefix or common_prefix(_partition_ids(partition)),
        max_missing=max_missing,
        max_extra=max_extra,
    )
