"""Retries with backoff that honour ``429 Too Many Requests`` and ``Retry-After``.

Replaces Scrapy's RetryMiddleware for the ClinicalTrials.gov harvester. A
retryable response (429, 5xx, 408) or a download error is retried after the
server's ``Retry-After`` (seconds or an HTTP date) when it gives one, else
after an exponential backoff ``base * 2**attempt`` (capped). A ``Retry-After``
longer than the cap gives the request up rather than retry early. The wait is
an ``asyncio.sleep`` inside the middleware: only that request waits, and the
downloader slot it holds keeps the crawl polite meanwhile.

Settings: ``RETRY_AFTER_TIMES`` (5), ``RETRY_AFTER_BASE_DELAY`` (0.5 s),
``RETRY_AFTER_MAX_DELAY`` (120 s), ``RETRY_AFTER_HTTP_CODES``
(429 500 502 503 504 408 522 524). Stats: ``retry_after/429``,
``retry_after/count``, ``retry_after/max_reached``, ``retry_after/slept``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

DEFAULT_CODES = (429, 500, 502, 503, 504, 408, 522, 524)


def retry_after_seconds(value: str | bytes | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: "120" -> 120.0, an HTTP date -> seconds from ``now``."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """Downloader middleware (see module docstring)."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_times = settings.getint("RETRY_AFTER_TIMES", 5)
        self.base_delay = settings.getfloat("RETRY_AFTER_BASE_DELAY", 0.5)
        self.max_delay = settings.getfloat("RETRY_AFTER_MAX_DELAY", 120.0)
        self.codes = {int(c) for c in settings.getlist("RETRY_AFTER_HTTP_CODES", DEFAULT_CODES)}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return float(retry_after)
        return float(min(self.base_delay * 2**attempt, self.max_delay))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.codes:
            return response
        if response.status == 429:
            self.stats.inc_value("retry_after/429")
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        retry = await self._retry(request, f"HTTP {response.status}", wait)
        return retry or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry") or isinstance(exception, IgnoreRequest):
            return None
        return await self._retry(request, exception, None)

    async def _retry(
        self, request: Request, reason: str | Exception, retry_after: float | None
    ) -> Request | None:
        attempt = int(request.meta.get("retry_times", 0))
        max_times = int(request.meta.get("max_retry_times", self.max_times))
        if attempt >= max_times:
            self.stats.inc_value("retry_after/max_reached")
            logger.error("giving up on %s after %d retries: %s", request.url, attempt, reason)
            return None
        if retry_after is not None and retry_after > self.max_delay:
            # Retrying sooner than asked would be impolite; waiting that long stalls the run.
            self.stats.inc_value("retry_after/too_long")
            logger.error(
                "giving up on %s: Retry-After %.0fs exceeds RETRY_AFTER_MAX_DELAY %.0fs",
                request.url,
                retry_after,
                self.max_delay,
            )
            return None
        wait = self.delay(attempt, retry_after)
        logger.info("retrying %s in %.1fs (%s)", request.url, wait, reason)
        self.stats.inc_value("retry_after/count")
        self.stats.inc_value("retry_after/slept", wait)
        await asyncio.sleep(wait)
        return get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=max_times,
            stats_base_key="retry_after/requests",
        )
