"""Run the ClinicalTrials.gov spider in this process and write its stats as JSON.

Meant to be the child process of `crawlers.ctgov_cli.harvest` (Twisted's
reactor cannot restart, and Airflow tasks may share a process), e.g.::

    python -m crawlers.ctgov_run --base-url URL --raw-dir DIR [--since DATE] --stats-out FILE
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers.ctgov_spider import DEFAULT_BASE_URL, MAX_PAGE_SIZE, CtgovStudiesSpider


def crawl_settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    settings.setdict(
        {
            "TRIALDEX_RAW_DIR": str(args.raw_dir),
            "LOG_LEVEL": args.log_level,
            "TELNETCONSOLE_ENABLED": False,
            "USER_AGENT": "trialdex-harvester (+https://github.com/trialdex)",
            "DOWNLOAD_DELAY": args.delay,
            "RETRY_TIMES": args.retry_times,
            "RETRY_BACKOFF_BASE": args.retry_base_delay,
            # One cap for both: the longest backoff, and the longest Retry-After still honoured.
            "RETRY_BACKOFF_MAX": args.retry_max_delay,
            "RETRY_AFTER_MAX": args.retry_max_delay,
            "DOWNLOAD_TIMEOUT": args.timeout,
        },
        priority="cmdline",
    )
    return settings


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m crawlers.ctgov_run")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--since", default="")
    parser.add_argument("--page-size", type=int, default=MAX_PAGE_SIZE)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--retry-times", type=int, default=5)
    parser.add_argument("--retry-base-delay", type=float, default=0.5)
    parser.add_argument("--retry-max-delay", type=float, default=120.0)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--stats-out", type=Path)
    args = parser.parse_args(argv)
    process = CrawlerProcess(crawl_settings(args))
    crawler = process.create_crawler(CtgovStudiesSpider)
    process.crawl(crawler, base_url=args.base_url, since=args.since, page_size=args.page_size)
    process.start()
    assert crawler.stats is not None
    stats = {k: _plain(v) for k, v in crawler.stats.get_stats().items()}
    if args.stats_out:
        args.stats_out.write_text(json.dumps(stats, indent=2, sort_keys=True))
    return stats


def _plain(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


if __name__ == "__main__":
    result = run()
    sys.exit(0 if result.get("finish_reason") == "finished" else 1)
