"""Every crawler runs on the one project configuration: one User-Agent, one set of limits.

The ClinicalTrials.gov harvester and the listing crawler are pointed at the
same loopback server that answers every page with 503. Both must announce the
operator's configured contact URL in the same User-Agent, and both must give
up after the project's number of retries, since neither overrides it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawlers import settings as project
from crawlers.ctgov_cli import harvest
from crawlers.listing_cli import crawl_listing

CONTACT = "https://operator.example/crawler-contact"


class _Unavailable(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]]  # (path, User-Agent)

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("User-Agent", "")))
        self.send_response(404 if self.path == "/robots.txt" else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_Unavailable,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_harvester_and_listing_crawler_share_user_agent_and_limits(
    server: tuple[str, list[tuple[str, str]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = server
    monkeypatch.setenv("TRIALDEX_CONTACT_URL", CONTACT)

    summary = harvest(base, tmp_path / "ctgov", None, page_size=10)
    ctgov_requests = [agent for path, agent in seen if path.startswith("/api/v2/studies")]
    assert summary.failures == 1 and summary.studies == 0
    assert summary.retries == project.RETRY_TIMES

    listing = crawl_listing([f"{base}/clinical-trials/for-asthma"], tmp_path / "listing")
    listing_requests = [agent for path, agent in seen if path.startswith("/clinical-trials/")]
    assert listing.stats["retry/max_reached"] == 1

    expected_agent = project.user_agent(CONTACT)
    assert set(ctgov_requests) == set(listing_requests) == {expected_agent}
    # One first attempt and the project's retries, no more, no fewer, for both.
    assert len(ctgov_requests) == len(listing_requests) == project.RETRY_TIMES + 1
