"""Bulk indexing into Elasticsearch with `helpers.streaming_bulk`.

Ids are `TrialRecord.id`, so indexing the same record again replaces it.
Rejections with 429 (the cluster is busy) are retried with exponential
backoff; every item that still fails is returned in the report with the
reason Elasticsearch gave. A lost connection raises `IndexingInterrupted`
carrying the partial report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from index.backend import IndexFailure, IndexReport, Progress
from index.errors import IndexingInterrupted
from parsers.records import TrialRecord

CHUNK_SIZE = 500
MAX_RETRIES = 6
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0


def document(record: TrialRecord) -> dict[str, Any]:
    """The stored document: the record as JSON, unknown (None) fields left out."""
    return record.model_dump(mode="json", by_alias=True, exclude_none=True)


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            text += f" ({cause['reason']})"
    else:
        text = str(error or info.get("exception") or "unknown error")
    return f"status {info.get('status', '?')}: {text}"


def bulk_index(
    client: Elasticsearch,
    index: str,
    records: Iterable[TrialRecord],
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
) -> IndexReport:
    """Index records into ``index`` (a name or an alias with one write index)."""
    report = IndexReport()

    def actions() -> Iterator[dict[str, Any]]:
        for record in records:
            yield {"_index": index, "_id": record.id, "_source": document(record)}

    results = helpers.streaming_bulk(
        client,
        actions(),
        chunk_size=chunk_size,
        max_retries=MAX_RETRIES,
        initial_backoff=INITIAL_BACKOFF_S,
        max_backoff=MAX_BACKOFF_S,
        raise_on_error=False,
        raise_on_exception=False,
        yield_ok=True,
    )
    try:
        for ok, item in results:
            _op, info = next(iter(item.items()))
            if ok:
                report.indexed += 1
            else:
                report.failures.append(IndexFailure(str(info.get("_id")), _reason(info)))
            if progress is not None and (report.indexed + len(report.failures)) % 1000 == 0:
                progress(report.indexed + len(report.failures))
    except (TransportError, ApiError) as exc:
        raise IndexingInterrupted(
            f"Elasticsearch stopped answering while indexing into {index!r} after "
            f"{report.indexed} records ({exc.__class__.__name__}: {exc}); "
            "run again to finish (indexing is an upsert by id)",
            report,
        ) from exc
    if progress is not None:
        progress(report.indexed + len(report.failures))
    return report


def bulk_delete(client: Elasticsearch, index: str, ids: Iterable[str]) -> int:
    """Delete by id; ids already gone are not an error. Returns how many were deleted."""
    deleted = 0
    actions = ({"_op_type": "delete", "_index": index, "_id": id} for id in ids)
    try:
        for ok, item in helpers.streaming_bulk(
            client,
            actions,
            chunk_size=CHUNK_SIZE,
            max_retries=MAX_RETRIES,
            initial_backoff=INITIAL_BACKOFF_S,
            raise_on_error=False,
            ignore_status=(404,),
        ):
            info = item.get("delete", {})
            if ok and info.get("result") == "deleted":
                deleted += 1
    except (TransportError, ApiError) as exc:
        raise IndexingInterrupted(
            f"Elasticsearch failed while deleting from {index!r}: {exc}",
            IndexReport(deleted=deleted),
        ) from exc
    return deleted
