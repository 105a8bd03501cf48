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
from parsers.errors import ServiceError
from pipeline.partitions import Partition, read_json, write_json

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


def crawl_ctgov(
    partition: Partition,
    *,
    base_url: str,
    since: datetime | None,
    page_size: int = 1000,
) -> dict[str, Any]:
    """Harvest ClinicalTrials.gov API v2 studies updated since ``since`` (all when None)."""

    from crawlers.ctgov_cli import harvest

    def crawl() -> Any:
        # harvest() runs Scrapy in a child process, so tasks may share ours.
        return harvest(
            base_url, partition.raw_dir, since.date() if since else None, page_size=page_size
        )

    return _result(partition, record_increment(partition, crawl))


def crawl_listing(
    partition: Partition,
    *,
    start_urls: Sequence[str],
    allowed_domains: Sequence[str] | None = None,
    sitemap_urls: Sequence[str] | None = None,
    settings_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl a listing site from its start URLs (the crawler runs Scrapy in a child process)."""
    from crawlers.listing_cli import crawl_listing as crawl_site

    def crawl() -> Any:
        summary = crawl_site(
            list(start_urls),
            partition.raw_dir,
            allowed_domains=list(allowed_domains) if allowed_domains else None,
            sitemap_urls=list(sitemap_urls) if sitemap_urls else None,
            settings_overrides=settings_overrides,
        )
        if not summary.finished:
            # Fail the attempt: the retry resumes the crawl where it stopped.
            raise ServiceError(
                f"crawl of {partition.source} stopped with {summary.pending} page(s) pending"
            )
        return summary

    return _result(partition, record_increment(partition, crawl))


def _result(partition: Partition, manifest: dict[str, Any]) -> dict[str, Any]:
    """What the crawl task hands on through XCom: paths and counts only."""
    summary = manifest.get("summary") or {}
    failed = summary.get("failed")  # listing: [(url, reason)]; ctgov: a count in "failures"
    failures = len(failed) if isinstance(failed, list) else int(summary.get("failures") or 0)
    return {
        "fetch_failures": failures,
        "source": partition.source,
        "partition": str(partition.dir),
        "manifest": str(partition.dir / MANIFEST),
        "raw_dir": str(partition.raw_dir),
        "responses": manifest["responses"],
        "new_responses": manifest["new_responses"],
    }
