"""Real crawls (Scrapy subprocesses) of the sample site on loopback.

A full crawl reaches exactly the expected pages and never a disallowed one; a
429 is retried only after its Retry-After; a crawl killed with SIGKILL resumes
without re-fetching finished pages; a recrawl of an unchanged site stores nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawlers.client import command
from crawlers.frontier import CrawlSummary
from crawlers.listing_cli import crawl_listing
from crawlers.rawstore import RawStore
from devtools.sample_site import RATE_LIMITED, TRANSIENT_503, SampleSite
from trialdex.cli import main

pytestmark = pytest.mark.slow

CONTACT = "https://example.org/trialdex-contact"
# Politeness off and short backoffs: loopback tests must be quick.
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_BACKOFF_BASE": 0.05,
    "DOWNLOAD_MAXSIZE": 200_000,
    "TRIALDEX_CONTACT_URL": CONTACT,
}


def stored_counts(raw_dir: Path) -> Counter[str]:
    """How many responses the raw store holds per URL."""
    store = RawStore(raw_dir)
    try:
        return Counter(r.url for r in store.iter_since(0))
    finally:
        store.close()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def full_crawl(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SampleSite, CrawlSummary, Path]]:
    site = SampleSite(root_seed=7, n_trials=30, oversize_bytes=300_000, retry_after=1)
    site.start()
    raw = tmp_path_factory.mktemp("raw")
    summary = crawl_listing([site.listing_url("depression")], raw, settings_overrides=FAST)
    yield site, summary, raw
    site.stop()


def test_full_crawl_stores_exactly_the_expected_pages_once(
    full_crawl: tuple[SampleSite, CrawlSummary, Path],
) -> None:
    site, summary, raw = full_crawl
    assert summary.finished and summary.pending == 0 and not summary.resumed
    counts = stored_counts(raw)
    assert set(counts) == site.expected_stored_urls()
    assert set(counts.values()) == {1}
    assert summary.fetched == len(counts)
    assert summary.first_response_id == 1 and summary.last_response_id == len(counts)


def test_full_crawl_requests_each_page_once_and_never_a_disallowed_one(
    full_crawl: tuple[SampleSite, CrawlSummary, Path],
) -> None:
    site, _, _ = full_crawl
    requested = Counter(site.requested_paths())
    expected = {path_of(u) for u in site.expected_stored_urls()}
    expected |= {path_of(u) for u in [site.oversized_url() or ""]} | {"/robots.txt"}
    assert set(requested) == expected
    for url in site.disallowed_urls():
        assert requested[path_of(url)] == 0
    retried = {path_of(site.trial_url(i)) for i in (TRANSIENT_503, RATE_LIMITED)}
    assert {p for p, n in requested.items() if n > 1} == retried
    assert all(n == 2 for p, n in requested.items() if p in retried)


def test_full_crawl_reports_refusals_and_robots_skips(
    full_crawl: tuple[SampleSite, CrawlSummary, Path],
) -> None:
    site, summary, raw = full_crawl
    assert [url for url, _ in summary.failed] == [site.oversized_url()]
    assert "size cap" in summary.failed[0][1]
    log = (raw / "logs" / "listing.log").read_text()
    assert f"Failed {site.oversized_url()}: refused: larger than the size cap" in log
    draft = next(u for u in site.disallowed_urls() if "/trial/" in u)
    assert summary.skipped == [(draft, "disallowed by robots.txt")]
    # The redirect is kept as the 301 it was, next to the canonical page.
    store = RawStore(raw)
    ((alias, canonical),) = site.redirects().items()
    kept = store.latest(alias)
    assert kept is not None and kept.status == 301 and kept.headers["location"] == canonical
    page = store.latest(canonical)
    assert page is not None and page.status == 200 and page.etag
    assert b"<h1" in store.body(page)


def test_429_is_retried_after_retry_after_and_user_agent_names_contact(
    full_crawl: tuple[SampleSite, CrawlSummary, Path],
) -> None:
    site, _, _ = full_crawl
    first, retry = site.requests_for(path_of(site.trial_url(RATE_LIMITED)))
    assert (first.status, retry.status) == (429, 200)
    assert retry.time - first.time >= site.retry_after
    flaky = site.requests_for(path_of(site.trial_url(TRANSIENT_503)))
    assert [r.status for r in flaky] == [503, 200]
    assert all(r.user_agent and CONTACT in r.user_agent for r in site.log)


def test_recrawl_of_unchanged_site_stores_nothing_and_revalidates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SampleSite(root_seed=3, n_trials=12, failures=False) as site:
        start = site.listing_url(site.conditions[0])
        sets = [arg for k, v in FAST.items() for arg in ("--set", f"{k}={json.dumps(v)}")]
        status = main(["crawl", "listing", "--start-url", start, "--raw-dir", str(tmp_path), *sets])
        printed = capsys.readouterr().out
        assert status == 0
        n_pages = len(site.expected_stored_urls())
        assert f"fetched (new or changed): {n_pages}" in printed
        assert "failed: 0" in printed

        mark = site.mark()
        again = crawl_listing([start], tmp_path, settings_overrides=FAST)
        assert again.finished and again.fetched == 0 and again.unchanged == n_pages
        assert again.first_response_id is None
        assert sum(stored_counts(tmp_path).values()) == n_pages
        pages = [r for r in site.log[mark:] if r.path != "/robots.txt"]
        assert len(pages) == n_pages
        assert all(r.status == 304 and r.if_none_match for r in pages)

        site.revise(5)
        changed = crawl_listing([start], tmp_path, settings_overrides=FAST)
        store = RawStore(tmp_path)
        new = [r.url for r in store.iter_since(changed.after_response_id, source="listing")]
        trial_5 = site.trial_url(5)
        listing_5 = site.listing_url(site.trial(5).condition)
        assert sorted(new) == sorted([trial_5, listing_5])
        assert changed.fetched == 2 and changed.unchanged == n_pages - 2
        latest = store.latest(trial_5)
        assert latest is not None and b"Revised 1 times." in store.body(latest)


def test_killed_crawl_resumes_without_refetching_finished_pages(tmp_path: Path) -> None:
    with SampleSite(root_seed=11, n_trials=60, failures=False) as site:
        start = site.listing_url(site.conditions[0])
        site.hold_after(20)  # then every request hangs: the crawl is surely mid-way
        cmd = command("listing", tmp_path, {"start_urls": [start]}, FAST)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while len(site.requested_paths()) < 21 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # let the answered pages reach the store
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL
        before = set(stored_counts(tmp_path))
        expected = site.expected_stored_urls()
        assert 0 < len(before) < len(expected)

        site.release()
        mark = site.mark()
        summary = crawl_listing([start], tmp_path, settings_overrides=FAST)
        assert summary.resumed and summary.finished and summary.pending == 0
        counts = stored_counts(tmp_path)
        assert set(counts) == expected and set(counts.values()) == {1}
        assert summary.fetched == len(expected)
        refetched = set(site.requested_paths(mark)) & {path_of(u) for u in before}
        assert refetched == set()


def test_crawl_from_the_sitemap_alone_reaches_every_page(tmp_path: Path) -> None:
    with SampleSite(root_seed=4, n_trials=30, failures=False, per_page=2) as site:
        summary = crawl_listing(
            [], tmp_path, sitemap_urls=[site.sitemap_url()], settings_overrides=FAST
        )
        assert summary.finished and not summary.failed
        assert set(stored_counts(tmp_path)) == site.expected_stored_urls() | {site.sitemap_url()}
        assert any("?page=" in u for u in site.expected_listing_urls())  # pagination followed


def test_robots_crawl_delay_spaces_the_requests(tmp_path: Path) -> None:
    with SampleSite(root_seed=2, n_trials=8, failures=False, crawl_delay=0.2) as site:
        summary = crawl_listing(
            [site.listing_url(site.conditions[0])], tmp_path, settings_overrides=FAST
        )
        assert summary.finished and summary.fetched == len(site.expected_stored_urls())
        times = sorted(r.time for r in site.log if r.path != "/robots.txt")
        gaps = [b - a for a, b in pairwise(times)]
        # Arrival times jitter by a few milliseconds on loopback; the spacing does not.
        assert min(gaps) >= 0.2 - 0.02


def _crawl_children(raw_dir: Path) -> list[int]:
    """Pids of crawl runner processes working on ``raw_dir``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"crawlers.run" in argv and str(raw_dir).encode() in argv:
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc")
def test_killing_the_cli_ends_the_crawler_child(tmp_path: Path) -> None:
    with SampleSite(root_seed=12, n_trials=30, failures=False) as site:
        site.hold_after(3)  # then every request hangs: the crawl cannot finish by itself
        raw = tmp_path / "raw"
        start = site.listing_url(site.conditions[0])
        command = [sys.executable, "-m", "trialdex.cli", "crawl", "listing"]
        cli = subprocess.Popen(
            [*command, "--start-url", start, "--raw-dir", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not _crawl_children(raw):
                assert time.monotonic() < deadline, "the crawler child never started"
                assert cli.poll() is None, "the CLI ended before its crawl started"
                time.sleep(0.1)
            while len(site.requested_paths()) < 4 and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            cli.kill()
            cli.wait()
        deadline = time.monotonic() + 20
        while _crawl_children(raw) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _crawl_children(raw) == [], "the crawler child outlived the CLI that started it"
        site.release()
