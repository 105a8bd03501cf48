"""Crawl steps: fetch one source into its raw store and record the partition's increment.

The increment of a partition is the list of raw-store id ranges its crawls
added. The lower bound is written before the crawl starts and kept across
retries, so pages stored by an attempt that died half-way still belong to the
partition when a retry finds them unchanged. A rerun of a finished partition
adds only what really changed at the source: its records stay the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from crawlers.rawstore import RawResponse, RawStore
from pipeline.partitions import Partition, read_json, write_json
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


def record_increment(partition: Partition, crawl: Callable[[], Any]) -> dict[str, Any]:
    """Run ``crawl`` and add what it stored to the partition's manifest; returns the manifest."""
    path = partition.path(MANIFEST)
    manifest: dict[str, Any] = read_json(path, {}) or {}
    store = RawStore(partition.raw_dir)
    try:
        if manifest.get("pending_from") is None:
            manifest["pending_from"] = store.last_id()
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
    found: list[RawResponse] = []
    for low, high in merge_ranges(manifest.get("ranges", [])):
        for response in store.iter_since(low):
            if response.id > high:
                break
            found.append(response)
    return found


def crawl_source(partition: Partition, source: Source, *, since: datetime | None) -> dict[str, Any]:
    """Fetch ``source`` into the partition's raw store and record what it added."""
    manifest = record_increment(partition, lambda: source.fetch(partition.raw_dir, since=since))
    summary = manifest.get("summary") or {}
    # What the task hands on through XCom: paths and counts only.
    return {
        "fetch_failures": len(summary.get("failed") or []),
        "source": partition.source,
        "partition": str(partition.dir),
        "manifest": str(partition.dir / MANIFEST),
        "raw_dir": str(partition.raw_dir),
        "responses": manifest["responses"],
        "new_responses": manifest["new_responses"],
    }
