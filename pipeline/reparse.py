"""Reparse: rebuild the whole index from the raw stores with the current parsers.

For a new parser version: every source's raw store (the latest response of
each URL) is parsed again into records files under
``<data_dir>/reparse/<run>/``, then a fresh index is filled from them and
swapped in at once by the backend's ``rebuild()`` (Elasticsearch: a new
versioned index and an atomic alias swap; SQLite: a new file built beside the
live one and renamed over it). Readers never see a half-built index.

Before the swap the reparsed records are compared, source by source, with the
index in service (`pipeline.rebuild_guard`): a rebuild that would lose trials
or coverage beyond the thresholds is refused and the old index keeps serving,
unless forced. Both sides go to ``comparison.json`` in the run's directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.config import DEFAULT_CTGOV_BASE_URL
from crawlers.rawstore import RawStore
from index.coverage import SourceCoverage
from parsers.records import TrialRecord, read_records, write_records
from pipeline.parse import parse_responses, write_jsonl
from pipeline.partitions import write_json
from pipeline.quality import coverage_by_source, make_stats
from pipeline.rebuild_guard import check_swap
from pipeline.settings import BackendConfig, GateThresholds
from sources.listing_sites import ListingSite
from sources.registry import sources_on_disk


def run_dir(data_dir: Path, run_key: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_key)
    return data_dir / "reparse" / safe


def reparse_records(
    data_dir: Path,
    run_key: str,
    sites: dict[str, ListingSite],
    raw_root: Path | None = None,
    ctgov_base_url: str = DEFAULT_CTGOV_BASE_URL,
) -> dict[str, Any]:
    """Parse every raw store (under ``raw_root``, default <data_dir>/raw) again; returns paths
    and counts per source."""
    raw_root = raw_root or data_dir / "raw"
    out = run_dir(data_dir, run_key)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"dir": str(out), "sources": {}}
    for source in sources_on_disk(raw_root, sites=sites, ctgov_base_url=ctgov_base_url):
        store = RawStore(raw_root / source.name)
        try:
            outcome = parse_responses(store, store.iter_latest(), source)
        finally:
            store.close()
        records_path = out / f"{source.name}.records.jsonl"
        write_records(records_path, outcome.records.values())
        write_jsonl(out / f"{source.name}.quarantine.jsonl", outcome.quarantine)
        stats = make_stats(
            pages=outcome.pages,
            items=outcome.items,
            failures=len(outcome.quarantine),
            records=outcome.records.values(),
        )
        summary["sources"][source.name] = {
            "records_path": str(records_path),
            "records": len(outcome.records),
            "quarantined": len(outcome.quarantine),
            "failure_rate": stats["failure_rate"],
            # Per record source, for the comparison with the live index before the swap.
            "coverage": {
                name: counts.to_dict()
                for name, counts in coverage_by_source(outcome.records.values()).items()
            },
        }
    write_json(out / "reparse.json", summary)
    return summary


def _all_records(summary: dict[str, Any]) -> Iterator[TrialRecord]:
    for source in summary["sources"].values():
        yield from read_records(Path(source["records_path"]))


def new_coverage(summary: dict[str, Any]) -> dict[str, SourceCoverage]:
    """The reparsed records' coverage per record source, summed over the raw stores."""
    merged: dict[str, SourceCoverage] = {}
    for source in summary["sources"].values():
        for name, data in source["coverage"].items():
            merged[name] = merged.get(name, SourceCoverage()).plus(SourceCoverage.from_dict(data))
    return merged


def rebuild_index(
    summary: dict[str, Any],
    backend: BackendConfig,
    thresholds: GateThresholds | None = None,
    *,
    force: bool = False,
) -> dict[str, Any]:
    """Compare the reparsed records with the live index, then fill a new index from them
    and swap it in; `SwapRefused` (nothing swapped) when they are worse, unless ``force``."""
    comparison_path = Path(summary["dir"]) / "comparison.json"
    search = backend.open()
    try:
        comparison = check_swap(
            search,
            new_coverage(summary),
            thresholds or GateThresholds(),
            where=backend.describe(),
            force=force,
            force_hint="trigger the reparse again with the param force_swap: true",
            report=comparison_path,
        )
        # A callable, so a failed attempt can be started again from the files.
        report = search.rebuild(lambda: _all_records(summary))
    finally:
        search.close()
    result = {
        "backend": backend.describe(),
        "swap": comparison["swap"],
        "comparison": str(comparison_path),
        "indexed": report.indexed,
        "failed": len(report.failures),
        "failures": [{"id": f.id, "reason": f.reason} for f in report.failures[:50]],
    }
    write_json(Path(summary["dir"]) / "index.json", result)
    return result
