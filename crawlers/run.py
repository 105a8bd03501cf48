"""Run one crawl in this process: ``python -m crawlers.run SPIDER --raw-dir DIR -a NAME=VALUE``.

The one child-process runner for every spider. Twisted's reactor cannot
restart inside one process, so callers that crawl more than once (Airflow
tasks sharing a worker, ``dag.test()``, tests, the CLI) start this module as a
subprocess through `crawlers.client.run_spider`, never Scrapy in-process.

* ``SPIDER`` is a spider name of the project (``listing``, ``ctgov``).
* ``-a NAME=VALUE`` is a spider argument; a name given twice becomes a list
  (``-a start_urls=U1 -a start_urls=U2``).
* ``-s NAME=VALUE`` overrides a Scrapy setting; the value is read as JSON when
  it parses (``-s DOWNLOAD_DELAY=0``), else as a string.

Every spider runs on the project settings (`crawlers.settings`: one
User-Agent, robots.txt, timeouts, size caps, retries); what a spider needs
differently it declares in its ``custom_settings``. A spider whose
``uses_frontier`` is true gets a durable, resumable run in `crawlers.frontier`.

The run's `crawlers.frontier.CrawlSummary` is written as JSON to
``--summary-json`` (or stdout). Exit status, the one convention for every
crawl (`CrawlSummary.exit_status`, which ``trialdex crawl`` returns too): 0
finished with nothing failed; 1 finished but some fetches failed, or the
crawl could not run at all (then no summary; the log under
``<raw dir>/logs/`` says why); 2 bad arguments, or another crawl holds the
raw directory; 3 interrupted (a summary is written, the next run resumes).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.atomic import atomic_text
from crawlers import settings as project_settings
from crawlers.frontier import CrawlSummary, Frontier
from crawlers.rawstore import RawStore

EXIT_USAGE = 2

SpiderArgs = dict[str, str | list[str]]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m crawlers.run", description=__doc__)
    p.add_argument("spider")
    p.add_argument("--raw-dir", required=True)
    p.add_argument("-a", dest="arguments", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--summary-json", help="write the summary here instead of stdout")
    return p


def _pairs(items: Sequence[str], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"{flag} {item!r}: expected NAME=VALUE")
        pairs.append((name, value))
    return pairs


def spider_arguments(items: Sequence[str]) -> SpiderArgs:
    """``-a`` pairs as spider keyword arguments; a repeated name collects a list."""
    out: SpiderArgs = {}
    for name, value in _pairs(items, "-a"):
        previous = out.get(name)
        if previous is None:
            out[name] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            out[name] = [previous, value]
    return out


def setting_overrides(items: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in _pairs(items, "-s"):
        try:
            out[name] = json.loads(value)
        except json.JSONDecodeError:
            out[name] = value
    return out


def die_with_parent() -> None:
    """Ask the kernel to end this process when the process that started it dies.

    A crawl must never run on unsupervised after the CLI or the Airflow task that
    started it was killed (SIGKILL leaves the parent no chance to clean up).
    Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere the client still kills its
    child on any exception it sees.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import os
    import signal

    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    # SIGKILL, not a graceful stop: nobody is left to read the summary, and a killed
    # crawl resumes cleanly (the frontier and the raw store are written durably).
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        raise SystemExit(EXIT_USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    die_with_parent()
    args = build_parser().parse_args(argv)
    try:
        arguments = spider_arguments(args.arguments)
        overrides = setting_overrides(args.settings)
        spider_cls = _spider_class(args.spider)
    except (ValueError, KeyError) as exc:
        print(f"crawlers.run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    raw_dir = Path(args.raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    # One crawl per raw directory and spider at a time; the kernel drops the
    # lock when the process dies, even by SIGKILL.
    lock = open(raw_dir / f"{args.spider}.lock", "w")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"crawlers.run: another {args.spider} crawl is using {raw_dir}", file=sys.stderr)
        return EXIT_USAGE

    store = RawStore(raw_dir)
    after_id = store.last_id()
    store.close()
    frontier = Frontier(raw_dir) if getattr(spider_cls, "uses_frontier", False) else None
    run = None
    if frontier is not None:
        run = frontier.open_run(args.spider, spider_cls.frontier_seeds(arguments), after_id)
    started = time.monotonic()
    stats, failures = _crawl(spider_cls, raw_dir, arguments, overrides, run.id if run else 0)
    finished = stats.get("finish_reason") == "finished"
    if frontier is not None and run is not None:
        if finished:
            frontier.finish_run(run.id)
        summary = frontier.summary(run.id)
        summary.resumed = run.resumed
    else:
        summary = _summary_from_stats(args.spider, raw_dir, after_id, stats)
        summary.failed = failures
    summary.raw_dir = str(raw_dir)
    summary.log = str(raw_dir / "logs" / f"{spider_cls.name}.log")
    summary.finish_reason = str(stats.get("finish_reason", "unknown"))
    summary.stats = stats
    summary.seconds = round(time.monotonic() - started, 2)
    summary.peak_rss_kb = peak_rss_kb()
    if args.summary_json:
        with atomic_text(Path(args.summary_json)) as fh:
            fh.write(summary.to_json())
    else:
        print(summary.to_json())
    return summary.exit_status


def _spider_class(name: str) -> Any:
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    try:
        return SpiderLoader.from_settings(settings).load(name)
    except KeyError:
        raise KeyError(f"no spider named {name!r}") from None


def _crawl(
    spider_cls: Any, raw_dir: Path, arguments: SpiderArgs, overrides: dict[str, Any], run_id: int
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The crawl's stats, and the (url, reason) of each fetch a spider without a frontier
    gave up on (its ``failures``)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    contact = overrides.get("TRIALDEX_CONTACT_URL")
    if contact and "USER_AGENT" not in overrides:
        settings.set("USER_AGENT", project_settings.user_agent(contact), priority="cmdline")
    logs = raw_dir / "logs"
    logs.mkdir(exist_ok=True)
    settings.set("LOG_FILE", str(logs / f"{spider_cls.name}.log"), priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    settings.set("TRIALDEX_RAW_DIR", str(raw_dir), priority="cmdline")
    settings.set("TRIALDEX_RUN_ID", run_id, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, **arguments)
    process.start()
    if crawler.stats is None or crawler.stats.get_value("start_time") is None:
        raise SystemExit(f"crawlers.run: the {spider_cls.name} crawl did not start; see {logs}")
    stats = {k: _plain(v) for k, v in crawler.stats.get_stats().items()}
    return stats, list(getattr(crawler.spider, "failures", []))


def _summary_from_stats(
    spider: str, raw_dir: Path, after_id: int, stats: dict[str, Any]
) -> CrawlSummary:
    """The summary of a run without a frontier: counts from the crawl's stats."""
    store = RawStore(raw_dir)
    last_id = store.last_id()
    store.close()
    return CrawlSummary(
        run_id=0,
        source=spider,
        resumed=False,
        finished=stats.get("finish_reason") == "finished",
        fetched=int(stats.get("rawstore/stored", 0) or 0),
        unchanged=int(stats.get("rawstore/unchanged", 0) or 0),
        after_response_id=after_id,
        first_response_id=after_id + 1 if last_id > after_id else None,
        last_response_id=last_id if last_id > after_id else None,
    )


def peak_rss_kb() -> int:
    """This process's own peak resident memory in KiB (Linux: VmHWM).

    Not ``getrusage``: Linux carries the forking parent's peak across exec into
    ``ru_maxrss``, so a crawl started from a large process would seem as large."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _plain(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
