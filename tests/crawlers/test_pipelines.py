"""The raw-store pipeline, with a frontier (listing crawler) and without (ctgov harvester)."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawlers.frontier import Frontier
from crawlers.pipelines import FetchFailure, RawPage, RawStorePipeline
from crawlers.rawstore import RawStore


def _response(url: str, body: bytes, status: int = 200) -> Response:
    request = Request(url)
    return Response(
        "http://site.test/final",
        status=status,
        headers={"Content-Type": "text/html", "Retry-After": "30"},
        body=body,
        request=request,
    )


def test_raw_page_is_keyed_by_the_requested_url() -> None:
    page = RawPage.from_response(_response("http://site.test/a", b"A", 429), kind="sitemap")
    assert (page.url, page.final_url, page.status, page.kind) == (
        "http://site.test/a",
        "http://site.test/final",
        429,
        "sitemap",
    )
    assert page.headers["Retry-After"] == "30" and page.body == b"A"
    assert not page.not_modified


def test_without_a_run_the_pipeline_stores_and_counts_but_keeps_no_frontier(
    tmp_path: Path,
) -> None:
    stats = MemoryStatsCollector(get_crawler())
    pipeline = RawStorePipeline(str(tmp_path), 0, "ctgov", stats)
    page = RawPage.from_response(_response("http://site.test/a", b"A"))
    for _ in range(2):
        assert pipeline.process_item(page) is page
    failure = FetchFailure("http://site.test/b", "refused")
    assert pipeline.process_item(failure) is failure
    pipeline.close_spider()
    assert stats.get_value("rawstore/stored") == 1
    assert stats.get_value("rawstore/unchanged") == 1
    assert RawStore(tmp_path).count("ctgov") == 1
    assert not (tmp_path / "frontier.sqlite").exists()


def test_with_a_run_the_pipeline_settles_urls_in_the_frontier(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path)
    run_id = frontier.open_run("listing", ["http://site.test/"], 0).id
    pipeline = RawStorePipeline(str(tmp_path), run_id, "listing")
    pipeline.process_item(RawPage.from_response(_response("http://site.test/a", b"A")))
    pipeline.process_item(FetchFailure("http://site.test/b", "robots.txt", skipped=True))
    pipeline.close_spider()
    assert RawStore(tmp_path).count("listing") == 1
    assert frontier.state(run_id, "http://site.test/a") == "stored"
    assert frontier.state(run_id, "http://site.test/b") == "skipped"
