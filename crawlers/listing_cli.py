"""`trialdex crawl listing`: crawl a listing site into the raw store, and the function behind it.

`crawl_listing` runs the crawl in a subprocess through `crawlers.client`
(Scrapy's reactor cannot restart within one process); it may be called any
number of times from one process (Airflow's ``dag.test()``, tests). The
returned `CrawlSummary` names the raw response ids the run stored, so a parse
step can process just the increment::

    summary = crawl_listing([url], raw_dir)
    for resp in RawStore(raw_dir).iter_since(summary.after_response_id, source="listing"):
        ...  # resp.id <= summary.last_response_id; skip resp.status != 200

Running it again after a crash resumes the unfinished run; running it after a
finished run starts a new one that revalidates every page (conditional
requests), storing only what changed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core import config
from crawlers.client import Progress, run_spider
from crawlers.frontier import CrawlSummary
from parsers.errors import ConfigurationError

__all__ = ["CrawlSummary", "crawl_listing", "register"]

SOURCE = "listing"


def crawl_listing(
    start_urls: Sequence[str],
    raw_dir: Path | str,
    *,
    allowed_domains: Sequence[str] | None = None,
    sitemap_urls: Sequence[str] | None = None,
    settings_overrides: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> CrawlSummary:
    """Crawl (or resume crawling) a listing site into ``raw_dir``; see the module docstring.

    ``progress`` is called about twice a second with the run's URL counts by state.
    Raises `ConfigurationError` for bad arguments and `ServiceError` when the
    crawl process fails without a summary. An interrupted crawl returns a
    summary with ``finished=False``.
    """
    if not start_urls and not sitemap_urls:
        raise ConfigurationError("crawl_listing: give at least one start URL or sitemap URL")
    return run_spider(
        SOURCE,
        raw_dir,
        {
            "start_urls": list(start_urls),
            "sitemap_urls": list(sitemap_urls or ()),
            "allowed_domains": list(allowed_domains or ()),
        },
        settings=settings_overrides,
        progress=progress,
        timeout=timeout,
    )


class _TerminalProgress:
    """One self-overwriting status line on stderr."""

    def __call__(self, counts: dict[str, int]) -> None:
        line = (
            f"\rfetched {counts.get('stored', 0)}  unchanged {counts.get('unchanged', 0)}"
            f"  failed {counts.get('failed', 0)}  queued {counts.get('pending', 0)} "
        )
        sys.stderr.write(line)
        sys.stderr.flush()

    @staticmethod
    def done() -> None:
        sys.stderr.write("\n")


def register(sub: Any) -> None:
    """Add ``listing`` to the sub-commands of ``trialdex crawl``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "listing",
        help="crawl a trial listing site into the raw store",
        description=(
            "Crawl condition listings and trial pages politely (robots.txt, throttling, "
            "retries), keeping every raw page. Run it again after an interruption to "
            "resume; after a finished run it revalidates pages and stores only changes."
        ),
    )
    p.add_argument("--start-url", action="append", default=[], metavar="URL")
    p.add_argument("--sitemap", action="append", default=[], metavar="URL")
    p.add_argument(
        "--raw-dir",
        default=None,
        help="raw store (default: $TRIALDEX_RAW_DIR or $TRIALDEX_HOME/raw, then /<source>)",
    )
    p.add_argument("--allowed-domain", action="append", default=[], metavar="DOMAIN")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=0 (value parsed as JSON)",
    )
    p.set_defaults(func=run)


def _overrides(pairs: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigurationError(f"--set {pair!r}: expected NAME=VALUE")
        try:
            out[name] = json.loads(value)
        except json.JSONDecodeError:
            out[name] = value
    return out


def run(args: argparse.Namespace) -> int:
    if not args.start_url and not args.sitemap:
        raise ConfigurationError("crawl listing: give --start-url URL or --sitemap URL")
    show = _TerminalProgress() if sys.stderr.isatty() else None
    try:
        summary = crawl_listing(
            args.start_url,
            args.raw_dir or config.load().raw_dir(SOURCE),
            allowed_domains=args.allowed_domain or None,
            sitemap_urls=args.sitemap or None,
            settings_overrides=_overrides(args.set),
            progress=show,
        )
    finally:
        if show is not None:
            show.done()
    print("\n".join(summary.lines()))
    return summary.exit_status
