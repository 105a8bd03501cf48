"""Downloader and spider middlewares shared by Trialdex crawlers.

- `RetryAfterMiddleware`: Scrapy's retries, plus waiting: ``Retry-After`` on
  429/503 (seconds or an HTTP date), an exponential backoff otherwise. A 429
  pauses the whole download slot (the site), not just the one URL. Both the
  listing crawler and the ClinicalTrials.gov harvester use it.
- `RobotsCrawlDelayMiddleware`: robots.txt rules as Scrapy applies them, plus
  the site's ``Crawl-delay``, which Scrapy alone ignores.
- `ConditionalRequestMiddleware`: asks with ``If-None-Match`` /
  ``If-Modified-Since`` from the raw store's latest response of the URL, and
  turns a 304 back into the stored page (flagged ``not-modified``) so spiders
  navigate it as usual and pipelines store nothing new.
- `FrontierMiddleware`: keeps every request of the run in the durable frontier
  and drops URLs the run has already scheduled or settled.

The first three are generic (any spider, any source).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from crawlers.frontier import Frontier
from crawlers.rawstore import RawResponse, RawStore

logger = logging.getLogger(__name__)

NOT_BEFORE = "trialdex_not_before"  # request.meta: monotonic time before which not to send it
KNOWN = "trialdex_known"  # request.meta: the stored RawResponse a conditional request refers to
NOT_MODIFIED = "trialdex_not_modified"  # request.meta: the response is the stored page (304)
KIND = "trialdex_kind"  # request.meta: frontier kind ("page", "sitemap", ...)
CRAWL_DELAY = "trialdex_crawl_delay"  # request.meta: seconds between requests, from robots.txt


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _slot_key(request: Request) -> str:
    slot = request.meta.get("download_slot")
    return str(slot) if slot else (urlparse_cached(request).hostname or "")


class RetryAfterMiddleware(RetryMiddleware):
    """Retries on RETRY_HTTP_CODES and network errors, waiting before each retry.

    Before any request it also waits while its site is paused (a 429) and, when
    `RobotsCrawlDelayMiddleware` marked it, for its turn under robots.txt Crawl-delay.

    Settings: Scrapy's RETRY_TIMES and RETRY_HTTP_CODES, RETRY_BACKOFF_BASE (s,
    doubled per attempt), RETRY_BACKOFF_MAX, RETRY_AFTER_MAX (a longer
    Retry-After gives the request up). Stats, besides Scrapy's ``retry/count``,
    ``retry/max_reached`` and ``retry/reason_count/*``: ``retry/429`` (retryable
    429s seen), ``retry/retry_after_too_long`` and ``retry/delay_ms`` (waits asked for).
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 600.0)
        self._paused: dict[str, float] = {}  # slot -> monotonic time it may resume
        self._next_turn: dict[str, float] = {}  # slot -> earliest start under Crawl-delay

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        return mw

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    async def process_request(self, request: Request) -> None:
        slot = _slot_key(request)
        now = time.monotonic()
        until = max(request.meta.get(NOT_BEFORE, 0.0), self._paused.get(slot, 0.0), now)
        spacing = request.meta.get(CRAWL_DELAY)
        if spacing:
            # Reserve the next free turn on this site, so concurrent requests
            # line up at least Crawl-delay apart whatever the throttle does.
            until = max(until, self._next_turn.get(slot, 0.0))
            self._next_turn[slot] = until + float(spacing)
        if until > now:
            await sleep(until - now)

    def process_response(  # type: ignore[override]  # Scrapy >= 2.13 passes no spider
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = int(request.meta.get("retry_times", 0)) + 1
        if response.status == 429:
            self._inc_stat("429")
        stated = retry_after_seconds(response.headers.get(b"Retry-After"))
        if stated is not None and stated > self.retry_after_max:
            # Retrying sooner than asked would be impolite; waiting that long stalls the run.
            self._inc_stat("retry_after_too_long")
            logger.warning(
                "Giving up %s: Retry-After of %.0f s exceeds RETRY_AFTER_MAX (%.0f s)",
                request.url,
                stated,
                self.retry_after_max,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = stated if stated is not None else self.backoff(attempt)
        self._inc_stat("delay_ms", round(delay * 1000))
        until = time.monotonic() + delay
        retry.meta[NOT_BEFORE] = until
        if response.status == 429 or stated is not None:
            # The site asked everyone to slow down, not just this URL.
            slot = _slot_key(request)
            self._paused[slot] = max(self._paused.get(slot, 0.0), until)
        logger.info(
            "Retrying %s after %.1f s (HTTP %d, attempt %d)",
            request.url,
            delay,
            response.status,
            attempt,
        )
        return retry

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            attempt = int(retry.meta.get("retry_times", 1))
            delay = self.backoff(attempt)
            self._inc_stat("delay_ms", round(delay * 1000))
            retry.meta[NOT_BEFORE] = time.monotonic() + delay
        return retry

    def _inc_stat(self, name: str, count: int = 1) -> None:
        # Same prefix as the counts Scrapy's get_retry_request keeps.
        self.crawler.stats.inc_value(f"retry/{name}", count)


class RobotsCrawlDelayMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, plus the site's ``Crawl-delay`` for our user agent.

    The delay (capped by ROBOTSTXT_CRAWL_DELAY_MAX) is put in the request's meta;
    `RetryAfterMiddleware` spaces the site's requests by it. Replaces
    ``scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware`` at the same order.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_crawl_delay = crawler.settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX", 30.0)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        super().process_request_2(rp, request)  # raises IgnoreRequest when disallowed
        if rp is None:
            return
        agent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent
        )
        delay = rp.crawl_delay(agent or "")
        if delay:
            request.meta[CRAWL_DELAY] = min(float(delay), self.max_crawl_delay)


class ConditionalRequestMiddleware:
    """Revalidates pages already in the raw store instead of downloading them again."""

    def __init__(self, store: RawStore) -> None:
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        raw_dir = crawler.settings.get("TRIALDEX_RAW_DIR")
        if not raw_dir:
            raise NotConfigured("TRIALDEX_RAW_DIR is not set")
        return cls(RawStore(raw_dir))

    def process_request(self, request: Request) -> None:
        request.headers.pop(b"If-None-Match", None)
        request.headers.pop(b"If-Modified-Since", None)
        request.meta.pop(KNOWN, None)
        if request.meta.get("dont_revalidate"):
            return
        known = self.store.latest(request.url)
        if known is None or known.status != 200 or not (known.etag or known.last_modified):
            return
        if known.etag:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified:
            request.headers[b"If-Modified-Since"] = known.last_modified
        request.meta[KNOWN] = known

    def process_response(self, request: Request, response: Response) -> Response:
        known: RawResponse | None = request.meta.get(KNOWN)
        if response.status != 304 or known is None:
            return response
        body = self.store.body(known)
        headers = {
            k.encode("latin-1"): v.encode("latin-1")
            for k, v in known.headers.items()
            if k != "content-length"
        }
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        request.meta[NOT_MODIFIED] = known.id
        return cls(
            url=response.url,
            status=known.status,
            headers=headers,
            body=body,
            request=request,
            flags=[*response.flags, "not-modified"],
        )


class FrontierMiddleware(BaseSpiderMiddleware):
    """Every request of the run passes the durable frontier (see `crawlers.frontier`).

    Start requests pass unless already settled (a resumed run re-queues its
    pending URLs through them); requests found on pages pass only the first
    time the run sees their URL. Needs TRIALDEX_RAW_DIR and TRIALDEX_RUN_ID.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        raw_dir = crawler.settings.get("TRIALDEX_RAW_DIR")
        run_id = crawler.settings.getint("TRIALDEX_RUN_ID", 0)
        if not raw_dir or not run_id:
            raise NotConfigured("FrontierMiddleware needs TRIALDEX_RAW_DIR and TRIALDEX_RUN_ID")
        self.frontier = Frontier(raw_dir)
        self.run_id = run_id

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            if isinstance(item, Request):
                before = self.frontier.add(self.run_id, item.url, item.meta.get(KIND, "page"))
                if before not in (None, "pending"):
                    continue  # settled by an earlier attempt of this run
            yield item

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if request.meta.get("dont_frontier"):
            return request
        new = self.frontier.add_new(self.run_id, request.url, request.meta.get(KIND, "page"))
        return request if new else None
