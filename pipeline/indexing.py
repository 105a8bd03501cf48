"""Index step: upsert a partition's records into the search backend, keeping every failure."""

from __future__ import annotations

from typing import Any

from index.backend import IndexFailure
from index.loader import read_record_files
from parsers.errors import ServiceError
from pipeline.parse import write_jsonl
from pipeline.partitions import Partition, write_json
from pipeline.settings import BackendConfig


class IndexingError(ServiceError):
    """More records were refused than allowed; the task fails and is retried."""


def index_partition(
    partition: Partition, backend: BackendConfig, *, max_failures: int = 0
) -> dict[str, Any]:
    """Upsert records.jsonl by record id (a rerun changes nothing); failures go to a file.

    A backend that is down raises (the task's retry brings it back); records the
    backend refuses are written to ``index_failures.jsonl`` and, beyond
    ``max_failures``, fail the step.
    """
    records_path = partition.dir / "records.jsonl"
    if not records_path.exists():
        raise IndexingError(f"{partition.describe()}: no {records_path} (run the parse step first)")
    search = backend.open()
    # A damaged line is a failure of that record, not of the whole partition.
    bad_lines: list[IndexFailure] = []
    try:
        search.setup()
        report = search.index_records(read_record_files([records_path], bad_lines))
    finally:
        search.close()
    report.failures[:0] = bad_lines
    failures_path = partition.path("index_failures.jsonl")
    write_jsonl(failures_path, ({"id": f.id, "reason": f.reason} for f in report.failures))
    result: dict[str, Any] = {
        "source": partition.source,
        "partition": str(partition.dir),
        "backend": backend.describe(),
        "indexed": report.indexed,
        "failed": len(report.failures),
        "retries": report.retries,
        "failures_path": str(failures_path),
    }
    write_json(partition.path("index.json"), result)
    if len(report.failures) > max_failures:
        shown = "; ".join(f"{f.id}: {f.reason}" for f in report.failures[:3])
        raise IndexingError(
            f"{partition.describe()}: {len(report.failures)} record(s) refused by "
            f"{backend.describe()} (allowed {max_failures}), e.g. {shown}; all in {failures_path}"
        )
    return result
