"""The retry and conditional-request downloader middlewares, unit by unit.

The retry middleware serves the listing crawler and the ClinicalTrials.gov harvester alike.
"""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawlers.middlewares import (
    KNOWN,
    NOT_BEFORE,
    NOT_MODIFIED,
    ConditionalRequestMiddleware,
    RetryAfterMiddleware,
    retry_after_seconds,
)
from crawlers.rawstore import RawStore


def test_retry_after_parses_seconds_dates_and_rejects_junk() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    later = email.utils.format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(b"2") == 2.0
    assert retry_after_seconds(" 15 ") == 15.0
    assert retry_after_seconds(later, now=now) == 90.0
    past = email.utils.format_datetime(now - timedelta(seconds=5), usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_retry_after_header_values() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(b"3") == 3.0
    now = datetime.fromtimestamp(1445412470.0, UTC)
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 10.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds(None) is None


def _retry_mw(**settings: object) -> RetryAfterMiddleware:
    crawler = get_crawler(Spider, {"RETRY_TIMES": 2, "RETRY_BACKOFF_BASE": 0.5, **settings})
    crawler.spider = crawler._create_spider("t")
    return RetryAfterMiddleware.from_crawler(crawler)


def test_429_retry_waits_retry_after_and_pauses_the_site() -> None:
    mw = _retry_mw()
    request = Request("http://site.test/trial/a")
    response = Response(request.url, status=429, headers={"Retry-After": "3"}, request=request)
    before = time.monotonic()
    retry = mw.process_response(request, response)
    assert isinstance(retry, Request) and retry.url == request.url
    assert retry.meta["retry_times"] == 1 and retry.dont_filter
    assert before + 3 <= retry.meta[NOT_BEFORE] <= time.monotonic() + 3
    # Another page of the same site waits too.
    assert mw._paused["site.test"] == retry.meta[NOT_BEFORE]
    stats = mw.crawler.stats
    assert stats.get_value("retry/429") == 1 and stats.get_value("retry/count") == 1
    assert stats.get_value("retry/delay_ms") == 3000


def test_5xx_backs_off_exponentially_then_gives_up() -> None:
    mw = _retry_mw()
    request = Request("http://site.test/x")
    waits = []
    for _ in range(2):
        start = time.monotonic()
        retry = mw.process_response(request, Response(request.url, status=503, request=request))
        assert isinstance(retry, Request)
        waits.append(round(retry.meta[NOT_BEFORE] - start, 1))
        request = retry
    assert waits == [0.5, 1.0]
    final = Response(request.url, status=503, request=request)
    assert mw.process_response(request, final) is final  # RETRY_TIMES reached
    assert "site.test" not in mw._paused  # no Retry-After: only the URL waits


def test_retry_after_beyond_the_cap_gives_the_page_up() -> None:
    mw = _retry_mw(RETRY_AFTER_MAX=60)
    request = Request("http://site.test/y")
    response = Response(request.url, status=429, headers={"Retry-After": "3600"}, request=request)
    assert mw.process_response(request, response) is response
    stats = mw.crawler.stats
    assert stats.get_value("retry/429") == 1
    assert stats.get_value("retry/retry_after_too_long") == 1
    assert stats.get_value("retry/count") is None


def test_success_passes_through() -> None:
    mw = _retry_mw()
    request = Request("http://site.test/z")
    response = Response(request.url, status=200, request=request)
    assert mw.process_response(request, response) is response


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    return RawStore(tmp_path)


def test_conditional_request_uses_stored_validators(store: RawStore) -> None:
    url = "http://site.test/trial/a"
    store.put(
        source="listing",
        url=url,
        body=b"<html><body><h1>A</h1></body></html>",
        headers={
            "ETag": '"v1"',
            "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT",
            "Content-Type": "text/html; charset=utf-8",
        },
    )
    mw = ConditionalRequestMiddleware(store)
    request = Request(url)
    mw.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 02 Nov 2026 10:00:00 GMT"
    assert request.meta[KNOWN].etag == '"v1"'

    revived = mw.process_response(request, Response(url, status=304, request=request))
    assert isinstance(revived, HtmlResponse)
    assert revived.status == 200 and "not-modified" in revived.flags
    assert revived.css("h1::text").get() == "A"
    assert request.meta[NOT_MODIFIED] == store.latest(url).id  # type: ignore[union-attr]

    fresh = Response(url, status=200, body=b"new", request=request)
    assert mw.process_response(request, fresh) is fresh


def test_unknown_urls_are_fetched_unconditionally(store: RawStore) -> None:
    mw = ConditionalRequestMiddleware(store)
    request = Request("http://site.test/new", headers={"If-None-Match": '"stale"'})
    mw.process_request(request)
    assert b"If-None-Match" not in request.headers and KNOWN not in request.meta
    response = Response(request.url, status=304, request=request)
    assert mw.process_response(request, response) is response
