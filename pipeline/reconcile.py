"""Reconcile step: what the source says it has against what is searchable.

A source states totals (ClinicalTrials.gov's ``totalCount``, a listing page's
"<N> <Condition> Trials"); the index holds what the pipeline managed to get
there. The difference is reported (never silently accepted) and the run's
stats become the quality baseline for later runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parsers.records import read_records
from pipeline.partitions import Partition, write_json
from pipeline.quality import record_success
from pipeline.settings import BackendConfig
from sources.base import Source, common_prefix

SHOWN_IDS = 50  # ids listed in the report; the counts are always complete


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
) -> dict[str, Any]:
    """Compare stated totals, the partition's records and the index; write reconcile.json."""
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
    if listed_ids is not None:
        listed = set(listed_ids)
        missing = sorted(listed - searchable)
        report.update(
            listed=len(listed),
            listed_not_searchable=len(missing),
            listed_not_searchable_ids=missing[:SHOWN_IDS],
        )
    write_json(partition.path("reconcile.json"), report)
    record_success(partition)
    return report


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
    partition: Partition, backend: BackendConfig, source: Source
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
    )
