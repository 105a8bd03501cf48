"""Scrapy spider for the ClinicalTrials.gov API v2 ``studies`` endpoint.

It only navigates: request a page of up to 1,000 studies, hand the raw
response to the pipeline as an item, follow ``nextPageToken``. An incremental
run asks only for studies updated since a date with
``filter.advanced=AREA[LastUpdatePostDate]RANGE[<since>,MAX]``. Parsing the
studies into records happens later, from the raw store
(`crawlers.ctgov_cli.records_from_raw`).

Arguments (``-a``): ``base_url`` (default https://clinicaltrials.gov),
``since`` (YYYY-MM-DD, empty for everything), ``page_size`` (1..1000).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from core import config
from crawlers.pipelines import RawPage

DEFAULT_BASE_URL = config.DEFAULT_CTGOV_BASE_URL
MAX_PAGE_SIZE = 1000


def studies_url(
    base_url: str, *, since: date | None, page_size: int, token: str | None = None
) -> str:
    """The ``/api/v2/studies`` URL of one page; the first page asks for the total count."""
    params: dict[str, str] = {"format": "json", "pageSize": str(page_size)}
    if since is not None:
        params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
    if token is None:
        params["countTotal"] = "true"
    else:
        params["pageToken"] = token
    return f"{base_url.rstrip('/')}/api/v2/studies?{urlencode(params)}"


class CtgovStudiesSpider(scrapy.Spider):
    """Runs on the project settings (User-Agent, timeouts, retries and their caps); what
    differs for a paged JSON API is declared here."""

    name = "ctgov"
    uses_frontier = False  # a run is one chain of pages: nothing to resume URL by URL
    custom_settings = {  # noqa: RUF012 (Scrapy reads this class attribute)
        # An API for programs, not pages: no robots.txt to consult.
        "ROBOTSTXT_OBEY": False,
        # Each page's URL comes from the previous page's token, so one request is
        # in flight at a time whatever the concurrency: pacing that on top of the
        # registry's own 429 + Retry-After answers (which are honoured) only slows
        # a full harvest.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        # A page of 1,000 full studies is tens of megabytes, far over a listing page's cap.
        "DOWNLOAD_MAXSIZE": 512 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 128 * 1024 * 1024,
        # Only what a paged API needs; conditional requests and the frontier
        # serve the listing crawler's revisits.
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.RetryAfterMiddleware": 550,
        },
        "SPIDER_MIDDLEWARES": {},
        "ITEM_PIPELINES": {"crawlers.pipelines.RawStorePipeline": 300},
    }

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        since: str | None = None,
        page_size: int | str = MAX_PAGE_SIZE,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.since = date.fromisoformat(since) if since else None
        self.page_size = int(page_size)
        self.failures: list[tuple[str, str]] = []  # (url, reason) of each page given up
        if not 0 < self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {self.page_size}")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self._page_request(None)

    def _page_request(self, token: str | None) -> scrapy.Request:
        url = studies_url(self.base_url, since=self.since, page_size=self.page_size, token=token)
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.failed,
            headers={"Accept": "application/json"},
            dont_filter=False,
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield RawPage.from_response(response)
        stats = self.crawler.stats
        stats.inc_value("ctgov/pages")
        try:
            page = json.loads(response.body)
            studies = page["studies"]
            token = page.get("nextPageToken")
        except (ValueError, KeyError, TypeError) as exc:
            stats.inc_value("ctgov/bad_pages")
            self.logger.error("not a studies page at %s: %s", response.url, exc)
            return
        stats.inc_value("ctgov/studies", len(studies))
        if "totalCount" in page:
            stats.set_value("ctgov/total_count", page["totalCount"])
        if token:
            yield self._page_request(str(token))

    def failed(self, failure: Any) -> Iterator[Any]:
        self.crawler.stats.inc_value("ctgov/failures")
        self.failures.append((failure.request.url, failure.getErrorMessage()))
        self.logger.error("fetch failed: %s", failure.getErrorMessage())
        if failure.check(HttpError):
            response = failure.value.response
            if response.status == 429:
                self.crawler.stats.inc_value("ctgov/429_gave_up")
            yield RawPage.from_response(response)
