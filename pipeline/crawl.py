"""Crawl steps: fetch one source into its raw store, record the increment, judge the fetch.

The increment of a partition is the list of raw-store id ranges its crawls
added. The lower bound is written before the crawl starts and kept across
retries, so pages stored by an attempt that died half-way still belong to the
partition when a retry finds them unchanged. A rerun of a finished partition
adds only what really changed at the source: its records stay the same.

A full fetch (``since`` is None: the param ``full_harvest``, or the first run
of a source) means every record of the source: its increment also holds every
response the fetch saw unchanged (the raw store is content-addressed, so those
add no new ids), from the moment its first attempt began.

The fetch is judged before anything is parsed: a source that could not be
reached, or whose requests failed beyond ``max_fetch_failure_share`` (HTTP
5xx or 429 after retries, connection errors), fails the task with the source,
a failing URL, the reason and the crawl log; a quiet day (the source answered,
nothing changed) passes. A source whose pages chain (each page's URL comes
from the previous one, as ClinicalTrials.gov's page tokens do) fails on any
failed page, since the rest of the chain was never seen. Only a fetch that
passes moves the source's ``fetched_through`` mark, so the next run asks for
everything since the last complete fetch and no day's updates are skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from crawlers.frontier import CrawlSummary
from crawlers.rawstore import RawResponse, RawStore
from parsers.errors import ServiceError
from pipeline.partitions import Partition, parse_moment, read_json, write_json
from sources.base import Source

MANIFEST = "crawl.json"


def to_jsonable(value: Any) -> Any:
    """A crawl summary (dataclass, mapping, paths) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def merge_ranges(ranges: Sequence[Sequence[int]]) -> list[list[int]]:
    """Sorted, non-overlapping ``(after_id, last_id]`` ranges."""
    merged: list[list[int]] = []
    for low, high in sorted((int(a), int(b)) for a, b in ranges if int(b) > int(a)):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def record_increment(
    partition: Partition, crawl: Callable[[], Any], *, full: bool = False
) -> dict[str, Any]:
    """Run ``crawl`` and add what it stored to the partition's manifest; returns the manifest.

    ``full``: the increment also holds every response the crawl found unchanged."""
    path = partition.path(MANIFEST)
    manifest: dict[str, Any] = read_json(path, {}) or {}
    store = RawStore(partition.raw_dir)
    try:
        if manifest.get("pending_from") is None:
            manifest["pending_from"] = store.last_id()
            write_json(path, manifest)
        if full and manifest.get("full_from") is None:
            manifest["full_from"] = datetime.now(UTC).isoformat()
            write_json(path, manifest)
        summary = crawl()
        last = store.last_id()
    finally:
        store.close()
    start = int(manifest.pop("pending_from"))
    ranges = merge_ranges([*manifest.get("ranges", []), [start, last]])
    manifest.update(
        source=partition.source,
        raw_dir=str(partition.raw_dir),
        ranges=ranges,
        responses=sum(high - low for low, high in ranges),
        new_responses=last - start,
        summary=to_jsonable(summary),
    )
    write_json(path, manifest)
    return manifest


def increment(partition: Partition, store: RawStore) -> list[RawResponse]:
    """The raw responses of a partition, in storage order."""
    manifest = read_json(partition.dir / MANIFEST, {}) or {}
    found: dict[int, RawResponse] = {}
    for low, high in merge_ranges(manifest.get("ranges", [])):
        for response in store.iter_since(low):
            if response.id > high:
                break
            found[response.id] = response
    if manifest.get("full_from"):
        since = parse_moment(manifest["full_from"])
        for response in store.iter_checked_since(since, source=None):
            found.setdefault(response.id, response)
    return [found[key] for key in sorted(found)]


def crawl_source(
    partition: Partition,
    source: Source,
    *,
    since: datetime | None,
    max_failure_share: float = 0.25,
) -> dict[str, Any]:
    """Fetch ``source`` into the partition's raw store, record what it added, judge the fetch.

    Raises `ServiceError` when the fetch failed (see the module docstring); the
    increment is recorded first, so a retry keeps what this attempt stored."""
    full = since is None
    manifest = record_increment(
        partition, lambda: source.fetch(partition.raw_dir, since=since), full=full
    )
    summary = manifest.get("summary") or {}
    result = {
        "fetch_failures": len(summary.get("failed") or []),
        "source": partition.source,
        "partition": str(partition.dir),
        "manifest": str(partition.dir / MANIFEST),
        "raw_dir": str(partition.raw_dir),
        "crawl_log": summary.get("log") or "",
        "full": full,
        "responses": manifest["responses"],
        "new_responses": manifest["new_responses"],
    }
    problem = fetch_problem(source, summary, partition, max_failure_share)
    if problem:
        raise ServiceError(problem)
    mark_fetched_through(partition)
    return result


def fetch_problem(
    source: Source, summary: dict[str, Any], partition: Partition, max_share: float
) -> str | None:
    """Why the fetch failed, or None when the source answered well enough."""
    crawl = CrawlSummary.from_dict(summary)
    failed = list(crawl.failed)
    store = RawStore(partition.raw_dir)
    try:
        refused = [
            (r.url, f"HTTP {r.status}")
            for r in store.iter_since(crawl.after_response_id)
            if r.status >= 500 or r.status == 429
        ]
    finally:
        store.close()
    bad = failed + refused
    attempted = crawl.fetched + crawl.unchanged + len(failed)
    where = f"{source.name}: the fetch failed"
    log = f"; crawl log: {crawl.log}" if crawl.log else ""
    if attempted == 0:
        return f"{where}: nothing could be fetched ({crawl.finish_reason or 'no requests'}){log}"
    if not bad:
        return None
    url, reason = bad[0]
    example = f"e.g. {url or 'a request'}: {reason}"
    if source.fetch_is_chain:
        return (
            f"{where}: {len(bad)} page(s) failed, so the harvest is incomplete ({example}); "
            f"the next run fetches again from the last complete fetch{log}"
        )
    share = len(bad) / attempted
    if share > max_share:
        return (
            f"{where}: {len(bad)} of {attempted} requests failed ({share:.0%}; allowed "
            f"{max_share:.0%}), {example}{log}"
        )
    return None


FETCHED_THROUGH = "fetched_through"


def mark_fetched_through(partition: Partition) -> None:
    """Record that the source was fetched completely up to this partition's end."""
    state = partition.state()
    previous = state.get(FETCHED_THROUGH)
    end = partition.end.isoformat()
    if previous is None or previous < end:
        partition.save_state({**state, FETCHED_THROUGH: end})


def fetched_through(partition: Partition) -> datetime | None:
    """The end of the latest interval whose fetch of this source completed, if any."""
    value = partition.state().get(FETCHED_THROUGH)
    return parse_moment(value) if value else None
