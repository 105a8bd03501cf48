"""A hostile site on loopback: decompression bombs must not blow up the crawler.

The site serves a trial listing and its trial pages (the good part, which must
all be stored) beside two sitemaps that inflate to 1 GiB from about 1 MB (one
a gzip file, one sent with ``Content-Encoding: gzip``) and a trial page of
6 MB sent without ``Content-Length``. The crawl runner runs as
a child process exactly as the CLI starts it and reports its own peak memory.
"""

from __future__ import annotations

import json
import subprocess
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawlers.client import command
from crawlers.frontier import CrawlSummary
from crawlers.rawstore import RawStore

INFLATED = 1 << 30  # 1 GiB of zeros
PEAK_LIMIT_KB = 300 * 1024


def _gzip_bomb() -> bytes:
    """1 GiB of zeros as a gzip stream, built without ever holding the 1 GiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [packer.compress(chunk) for _ in range(INFLATED // len(chunk))]
    return b"".join([*parts, packer.flush()])


BOMB = _gzip_bomb()
CALENDAR_PAGES: list[int] = []
HOPS: list[int] = []
TRIALS = [f"/trial/good-{i}" for i in range(3)]
HUGE = "/trial/huge"  # 6 MB sent without Content-Length: over the cap only as it streams
LISTING = "/clinical-trials/for-asthma"
CALENDAR = "/clinical-trials/for-calendar"  # ?page=n links page n+1 forever, same trials
HOP = "/trial/hop-"  # each answers 302 to the next, forever


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == LISTING:
            links = "".join(f'<a href="{t}">trial</a>' for t in [*TRIALS, HUGE, CALENDAR])
            links += f'<a href="{HOP}0">a moved trial</a>'
            self._send(200, f"<html><body><h1>3 Asthma Trials</h1>{links}</body></html>".encode())
        elif self.path.startswith(CALENDAR):
            page = int(self.path.partition("page=")[2] or 1)
            CALENDAR_PAGES.append(page)
            body = f'<a href="{TRIALS[0]}">t</a><a href="{CALENDAR}?page={page + 1}">next</a>'
            self._send(200, f"<html><body>{body}</body></html>".encode())
        elif self.path.startswith(HOP):
            number = int(self.path.removeprefix(HOP))
            HOPS.append(number)
            self.send_response(302)
            self.send_header("Location", f"{HOP}{number + 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == HUGE:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(6):
                self.wfile.write(b"<p>" + b"x" * (1 << 20) + b"</p>")
        elif self.path in TRIALS:
            self._send(200, f"<html><body><h1>Trial {self.path}</h1></body></html>".encode())
        elif self.path == "/sitemap.xml.gz":
            self._send(200, BOMB, content_type="application/gzip")
        elif self.path == "/sitemap.xml":
            self._send(200, BOMB, content_type="application/xml", encoding="gzip")
        else:
            self._send(404, b"not here")

    def _send(
        self, status: int, body: bytes, content_type: str = "text/html", encoding: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_gzip_bombs_are_refused_by_size_out_and_the_good_pages_are_stored(
    site: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    summary_path = tmp_path / "summary.json"
    arguments = {
        "start_urls": [f"{site}{LISTING}"],
        "sitemap_urls": [f"{site}/sitemap.xml.gz", f"{site}/sitemap.xml"],
    }
    CALENDAR_PAGES.clear()
    HOPS.clear()
    fast = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 0}
    cmd = [*command("listing", raw, arguments, fast), "--summary-json", str(summary_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert proc.wait(timeout=120) in (0, 1)
    summary = CrawlSummary.from_json(summary_path.read_text())
    # The crawl's own peak (VmHWM): the kernel's ru_maxrss of a child also carries the
    # peak of the process it was forked from, here pytest's after the rest of the suite.
    peak = summary.peak_rss_kb
    assert 0 < peak < PEAK_LIMIT_KB, f"crawler peaked at {peak / 1024:.0f} MB"

    failed = dict(summary.failed)
    gz = failed[f"{site}/sitemap.xml.gz"]
    assert "inflates beyond DOWNLOAD_MAXSIZE" in gz and "bytes compressed" in gz
    assert f"{site}/sitemap.xml" in failed  # the Content-Encoding bomb, refused by Scrapy
    assert failed[f"{site}/sitemap.xml"]
    assert failed[f"{site}{HUGE}"].startswith("refused: larger than the size cap")
    # The calendar stops once a page shows no new trial; the redirect chain at its limit.
    assert max(CALENDAR_PAGES) <= 3, CALENDAR_PAGES
    assert len(HOPS) == 21, HOPS  # the first request and REDIRECT_MAX_TIMES (20) more
    assert any("redirect chain longer than" in reason for reason in failed.values())

    store = RawStore(raw)
    try:
        stored = {r.url for r in store.iter_latest() if r.status == 200}
    finally:
        store.close()
    assert {f"{site}{p}" for p in [LISTING, *TRIALS]} <= stored
    json.dumps(summary.stats)  # the summary stays plain JSON
