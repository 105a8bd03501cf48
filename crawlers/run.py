"""Run one crawl in this process: ``python -m crawlers.run listing --raw-dir DIR --start-url URL``.

Twisted's reactor cannot restart inside one process, so callers that crawl more
than once (Airflow's ``dag.test()``, tests, the CLI) start this module as a
subprocess (`crawlers.listing_cli.crawl_listing`). It opens or resumes the
run in the frontier, crawls, marks the run finished when Scrapy finished
normally, and writes the run's `CrawlSummary` as JSON (``--summary-json`` or
stdout). Exit status: 0 finished, 3 interrupted, 2 bad arguments or locked.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.atomic import atomic_text
from crawlers import settings as project_settings
from crawlers.frontier import Frontier
from crawlers.rawstore import RawStore


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m crawlers.run", description=__doc__)
    p.add_argument("spider", choices=["listing"])
    p.add_argument("--raw-dir", required=True)
    p.add_argument("--start-url", action="append", default=[])
    p.add_argument("--sitemap", action="append", default=[])
    p.add_argument("--allowed-domain", action="append", default=[])
    p.add_argument("--settings-json", default="{}", help="Scrapy setting overrides as JSON")
    p.add_argument("--summary-json", help="write the summary here instead of stdout")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.start_url and not args.sitemap:
        print("crawlers.run: give at least one --start-url or --sitemap", file=sys.stderr)
        return 2
    raw_dir = Path(args.raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    # One crawl per raw directory and source at a time; the kernel drops the
    # lock when the process dies, even by SIGKILL.
    lock = open(raw_dir / f"{args.spider}.lock", "w")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"crawlers.run: another {args.spider} crawl is using {raw_dir}", file=sys.stderr)
        return 2
    overrides: dict[str, Any] = json.loads(args.settings_json)
    store = RawStore(raw_dir)
    frontier = Frontier(raw_dir)
    seeds = [*args.start_url, *(f"sitemap:{u}" for u in args.sitemap)]
    run = frontier.open_run(args.spider, seeds, after_response_id=store.last_id())
    store.close()

    finished = _crawl(args, raw_dir, run.id, overrides)
    if finished:
        frontier.finish_run(run.id)
    summary = frontier.summary(run.id)
    summary.resumed = run.resumed
    if args.summary_json:
        with atomic_text(Path(args.summary_json)) as fh:
            fh.write(summary.to_json())
    else:
        print(summary.to_json())
    return 0 if finished else 3


def _crawl(args: argparse.Namespace, raw_dir: Path, run_id: int, overrides: dict[str, Any]) -> bool:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawlers.listing_spider import ListingSpider

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    contact = overrides.get("TRIALDEX_CONTACT_URL")
    if contact and "USER_AGENT" not in overrides:
        settings.set("USER_AGENT", project_settings.user_agent(contact), priority="cmdline")
    logs = raw_dir / "logs"
    logs.mkdir(exist_ok=True)
    settings.set("LOG_FILE", str(logs / f"{args.spider}.log"), priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    settings.set("TRIALDEX_RAW_DIR", str(raw_dir), priority="cmdline")
    settings.set("TRIALDEX_RUN_ID", run_id, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ListingSpider)
    process.crawl(
        crawler,
        start_urls=args.start_url,
        sitemap_urls=args.sitemap,
        allowed_domains=args.allowed_domain or None,
    )
    process.start()
    if crawler.stats is None or crawler.stats.get_value("start_time") is None:
        raise SystemExit(f"crawlers.run: the {args.spider} crawl did not start; see {logs}")
    return bool(crawler.stats.get_value("finish_reason") == "finished")


if __name__ == "__main__":
    sys.exit(main())
