"""`trialdex crawl ctgov`: harvest ClinicalTrials.gov into the raw store, and re-parse it.

Plain functions for the command line and the Airflow DAG:

* `harvest` runs the Scrapy spider in a child process through
  `crawlers.client` (a Twisted reactor cannot restart inside a long-lived or
  shared process) and returns a `HarvestSummary`, the harvest's view of the
  crawl's `CrawlSummary`.
* `records_from_raw` re-parses stored pages into records without fetching.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core import config
from crawlers.client import run_spider
from crawlers.frontier import CrawlSummary
from crawlers.rawstore import RawStore
from parsers.errors import ParseError
from parsers.records import TrialRecord

DEFAULT_BASE_URL = config.DEFAULT_CTGOV_BASE_URL
SOURCE = "ctgov"


@dataclass(frozen=True)
class HarvestSummary:
    """What one harvest did. ``since_id`` is the raw store's last response id before the run:
    pass it to `records_from_raw` to re-parse only this run's pages."""

    base_url: str
    raw_dir: str
    since: str | None
    pages: int
    studies: int
    total_count: int | None
    retried_429: int
    retries: int
    failures: int
    stored: int
    unchanged: int
    since_id: int
    last_id: int
    seconds: float
    finish_reason: str

    @classmethod
    def of(cls, crawl: CrawlSummary, base_url: str, since: date | None) -> HarvestSummary:
        """The harvest's view of its crawl: the spider's page and study counters."""
        stats = crawl.stats

        def count(key: str) -> int:
            return int(stats.get(key, 0) or 0)

        return cls(
            base_url=base_url,
            raw_dir=crawl.raw_dir,
            since=since.isoformat() if since else None,
            pages=count("ctgov/pages"),
            studies=count("ctgov/studies"),
            total_count=stats.get("ctgov/total_count"),
            retried_429=count("retry/429"),
            retries=count("retry/count"),
            failures=len(crawl.failed),
            stored=crawl.fetched,
            unchanged=crawl.unchanged,
            since_id=crawl.after_response_id,
            last_id=crawl.last_response_id or crawl.after_response_id,
            seconds=crawl.seconds,
            finish_reason=crawl.finish_reason,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"ctgov harvest from {self.base_url} (since {self.since or 'the beginning'}): "
            f"{self.pages} pages, {self.studies} studies"
            + (f" of {self.total_count}" if self.total_count is not None else "")
            + f", {self.retried_429} 429s retried ({self.retries} retries in all), "
            f"{self.failures} failures; raw store {self.raw_dir}: {self.stored} new responses, "
            f"{self.unchanged} unchanged (ids {self.since_id + 1}..{self.last_id}); "
            f"{self.seconds:.1f}s, {self.finish_reason}"
        )


def harvest(
    base_url: str,
    raw_dir: Path | str,
    since: date | None = None,
    page_size: int = 1000,
    **options: Any,
) -> HarvestSummary:
    """Fetch every study (updated since ``since``) into the raw store at ``raw_dir``.

    The crawl runs on the project's Scrapy settings; ``options`` are those of
    `harvest_crawl`. Raises `ServiceError` when the crawl process fails to run.
    """
    crawl = harvest_crawl(base_url, raw_dir, since, page_size, **options)
    return HarvestSummary.of(crawl, base_url, since)


def harvest_crawl(
    base_url: str,
    raw_dir: Path | str,
    since: date | None = None,
    page_size: int = 1000,
    *,
    delay: float | None = None,
    retry_times: int | None = None,
    retry_max_delay: float | None = None,
    timeout: float | None = None,
) -> CrawlSummary:
    """`harvest`, returning the crawl's own `CrawlSummary` (what the pipeline records).

    ``delay``, ``retry_times`` and ``retry_max_delay`` (the longest backoff, and
    the longest Retry-After still honoured) override the project settings for
    this harvest; ``timeout`` bounds the whole crawl in seconds."""
    overrides: dict[str, Any] = {}
    if delay is not None:
        overrides["DOWNLOAD_DELAY"] = delay
    if retry_times is not None:
        overrides["RETRY_TIMES"] = retry_times
    if retry_max_delay is not None:
        overrides["RETRY_BACKOFF_MAX"] = overrides["RETRY_AFTER_MAX"] = retry_max_delay
    return run_spider(
        SOURCE,
        raw_dir,
        {
            "base_url": base_url,
            "since": since.isoformat() if since else None,
            "page_size": page_size,
        },
        settings=overrides,
        timeout=timeout,
    )


def records_from_raw(raw_dir: Path | str, since_id: int = 0) -> Iterator[TrialRecord | ParseError]:
    """Records from the ctgov responses stored after ``since_id`` (0: all), without fetching.

    Each good study yields a `TrialRecord`; a bad study or page yields its
    `ParseError` and the iteration goes on. Non-200 responses are skipped.
    """
    from parsers.ctgov import parse_api_response

    store = RawStore(Path(raw_dir))
    try:
        for response in store.iter_since(since_id, source=SOURCE):
            if response.status != 200:
                continue
            origin = f"raw#{response.id} {response.url}"
            try:
                records, errors = parse_api_response(
                    store.body(response), response.url, origin, fetched_at=response.fetched_at
                )
            except ParseError as exc:
                yield exc
                continue
            yield from records
            yield from errors
    finally:
        store.close()


def register(sources: Any) -> None:
    p: argparse.ArgumentParser = sources.add_parser(
        "ctgov",
        help="harvest the ClinicalTrials.gov API v2 into the raw store",
        description="Harvest ClinicalTrials.gov API v2 studies (all, or updated since a date).",
    )
    p.add_argument("--since", type=date.fromisoformat, help="only studies updated on/after DATE")
    p.add_argument(
        "--base-url",
        help="API host or an emulator (default: TRIALDEX_CTGOV_BASE_URL or the registry)",
    )
    p.add_argument(
        "--raw-dir",
        type=Path,
        default=None,
        help="raw store (default: $TRIALDEX_RAW_DIR or $TRIALDEX_HOME/raw, then /<source>)",
    )
    p.add_argument("--page-size", type=int, default=1000, help="studies per page (1..1000)")
    p.add_argument(
        "--delay",
        type=float,
        help="seconds between requests (default: none; pages are fetched one after another)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    settings = config.load({"ctgov_base_url": args.base_url})
    crawl = harvest_crawl(
        settings.ctgov_base_url,
        args.raw_dir or settings.raw_dir(SOURCE),
        args.since,
        args.page_size,
        delay=args.delay,
    )
    summary = HarvestSummary.of(crawl, settings.ctgov_base_url, args.since)
    print(json.dumps(summary.to_dict(), indent=2) if args.json else summary)
    return crawl.exit_status
