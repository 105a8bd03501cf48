"""Bulk indexing into Elasticsearch with `helpers.streaming_bulk`.

Ids are `TrialRecord.id`, so indexing the same record again replaces it.
Rejections with 429 (the cluster is busy) are retried with exponential
backoff; every item that still fails is returned in the report with the
reason Elasticsearch gave. A lost connection raises `IndexingInterrupted`
carrying the partial report.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from index.backend import IndexFailure, IndexingInterrupted, IndexReport, Progress
from parsers.records import TrialRecord

CHUNK_SIZE = 500
MAX_RETRIES = 6
THREADS = 2
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0


def document(record: TrialRecord) -> str:
    """The stored document: the record exactly in the contract, nulls included
    (`es_mapping.DOCUMENT_FORMAT`), so a search can return ``_source`` as is.

    Serialised by pydantic (in Rust); the client sends a str body as is.
    """
    return record.to_json()


def record_json_pairs(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(id, document) from JSON lines written from validated records (`write_records`).

    The trusted fast path for bulk loads of files this pipeline wrote: no
    re-validation, only the id is read.
    """
    for line in lines:
        line = line.strip()
        if line:
            yield str(json.loads(line)["id"]), line


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
    pairs = ((record.id, document(record)) for record in records)
    return bulk_index_documents(client, index, pairs, chunk_size=chunk_size, progress=progress)


def bulk_index_documents(
    client: Elasticsearch,
    index: str,
    documents: Iterable[tuple[str, str | dict[str, Any]]],
    *,
    chunk_size: int = CHUNK_SIZE,
    threads: int = THREADS,
    progress: Progress | None = None,
) -> IndexReport:
    """Index (id, document) pairs; the document is a JSON string or a dict.

    Chunks go to `streaming_bulk` (which retries 429s) on ``threads`` threads:
    one bulk request into one shard is applied by one write thread on the
    server, so a second request in flight keeps a second core busy.
    """
    report = IndexReport()

    def send(chunk: list[tuple[str, str | dict[str, Any]]]) -> IndexReport:
        part = IndexReport()
        actions = ({"_index": index, "_id": id, "_source": source} for id, source in chunk)
        for ok, item in helpers.streaming_bulk(
            client,
            actions,
            chunk_size=chunk_size,
            max_retries=MAX_RETRIES,
            initial_backoff=INITIAL_BACKOFF_S,
            max_backoff=MAX_BACKOFF_S,
            raise_on_error=False,
            raise_on_exception=False,
            yield_ok=True,
        ):
            _op, info = next(iter(item.items()))
            if ok:
                part.indexed += 1
            else:
                part.failures.append(IndexFailure(str(info.get("_id")), _reason(info)))
        return part

    def collect(future: Future[IndexReport]) -> None:
        report.merge(future.result())
        if progress is not None:
            progress(report.indexed + len(report.failures))

    pending: deque[Future[IndexReport]] = deque()
    try:
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            try:
                for chunk in _chunks(documents, chunk_size):
                    pending.append(pool.submit(send, chunk))
                    # Bounded read-ahead: at most two chunks queued per thread.
                    while len(pending) >= 2 * max(1, threads):
                        collect(pending.popleft())
                while pending:
                    collect(pending.popleft())
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
    except (TransportError, ApiError) as exc:
        raise IndexingInterrupted(
            f"Elasticsearch stopped answering while indexing into {index!r} after "
            f"{report.indexed} records ({exc.__class__.__name__}: {exc}); "
            "run again to finish (indexing is an upsert by id)",
            report,
        ) from exc
    return report


def _chunks(
    documents: Iterable[tuple[str, str | dict[str, Any]]], size: int
) -> Iterator[list[tuple[str, str | dict[str, Any]]]]:
    chunk: list[tuple[str, str | dict[str, Any]]] = []
    for document in documents:
        chunk.append(document)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
