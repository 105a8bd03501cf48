"""Benchmark: crawl generated sample sites on loopback, politeness off (`trialdex bench crawl`).

For each size, a fresh `SampleSite` (clean, no failure modes) is served from
this process and crawled by a ``python -m crawlers.run`` subprocess into a
fresh raw store. Printed per size: pages stored, wall time including process
start-up, crawl throughput (first to last request the site saw, so start-up is
excluded), the crawl process's CPU time per page (start-up included; a figure
that depends less on a busy machine than wall time) and its peak RSS (``wait4``
rusage of that child).
The memory ratio between the largest and smallest size shows whether memory
stays flat as the site grows. Goal: >= 200 pages/s including raw storage.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crawlers.client import command
from crawlers.rawstore import RawStore
from devtools.sample_site import SampleSite

FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "LOG_LEVEL": "INFO",
}


@dataclass
class Result:
    pages: int
    wall_s: float
    crawl_s: float
    peak_rss_mb: float
    cpu_s: float  # user + system time of the crawl process
    correct: bool

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.crawl_s if self.crawl_s else 0.0


def crawl_once(n_pages: int, workdir: Path) -> Result:
    site = SampleSite.for_page_count(n_pages, failures=False)
    site.start()
    try:
        raw = workdir / f"raw-{n_pages}-{time.monotonic_ns()}"
        cmd = command("listing", raw, {"start_urls": [site.listing_url(site.conditions[0])]}, FAST)
        cmd += ["--summary-json", str(workdir / "s.json")]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"bench crawl: crawl of {n_pages} pages exited {proc.returncode}")
        times = [r.time for r in site.log if r.path != "/robots.txt"]
        store = RawStore(raw)
        counts = Counter(r.url for r in store.iter_since(0))
        store.close()
        correct = set(counts) == site.expected_stored_urls() and set(counts.values()) == {1}
        return Result(
            pages=sum(counts.values()),
            wall_s=wall,
            crawl_s=max(times) - min(times),
            peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
            cpu_s=usage.ru_utime + usage.ru_stime,
            correct=correct,
        )
    finally:
        site.stop()


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="trialdex bench crawl", description=__doc__)
    p.add_argument("--sizes", default="5000,10000", help="site sizes in pages, comma-separated")
    p.add_argument("--repeat", type=int, default=1, help="crawls per size (medians printed)")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"crawl benchmark: loopback sample site, politeness off, {os.cpu_count()} CPUs")
    print(
        f"{'pages':>7} {'wall s':>8} {'crawl s':>8} {'pages/s':>8} {'CPU ms/page':>12}"
        f" {'peak RSS MB':>12}  ok"
    )
    medians: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="trialdex-bench-crawl-") as tmp:
        for size in sizes:
            results = [crawl_once(size, Path(tmp)) for _ in range(args.repeat)]
            rate = statistics.median(r.pages_per_s for r in results)
            rss = statistics.median(r.peak_rss_mb for r in results)
            medians[size] = (rate, rss)
            r = results[len(results) // 2]
            cpu_ms = statistics.median(x.cpu_s / x.pages * 1000 for x in results)
            print(
                f"{r.pages:>7} {r.wall_s:>8.1f} {r.crawl_s:>8.1f} {rate:>8.0f} {cpu_ms:>12.2f}"
                f" {rss:>12.1f}  {'yes' if all(x.correct for x in results) else 'NO'}"
            )
    lo, hi = min(sizes), max(sizes)
    print(
        f"ratios {hi}/{lo} pages: memory x{medians[hi][1] / medians[lo][1]:.2f},"
        f" throughput x{medians[hi][0] / medians[lo][0]:.2f}"
    )
    slowest = min(rate for rate, _ in medians.values())
    print(f"goal >= 200 pages/s: {'met' if slowest >= 200 else 'NOT met'} ({slowest:.0f} pages/s)")
    return 0
