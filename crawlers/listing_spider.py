"""The listing-site spider: navigates condition listings and trial pages, parses nothing.

Starts from listing URLs and/or sitemaps, follows pagination
(``/clinical-trials/for-<condition>?page=N``), trial links (``/trial/<slug>``)
and redirects, within the allowed domains, and yields every response as a
`RawPage` for the raw store. Extraction happens later, from the raw store, in
``parsers.listing``.

URLs are normalised before scheduling so a page has one frontier key: no
fragment, trial URLs without query, listing URLs with only ``page`` (and no
``page=1``). Which URL is a trial or listing page, and its key, is the site's
`parsers.listing.UrlRules`, built from the ``trial_url_pattern`` and
``listing_url_pattern`` spider arguments (the defaults when not given).
Redirects are followed here (not by Scrapy's middleware) so the 3xx response
is kept and its target goes through the frontier like any link.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml import etree  # type: ignore[import-untyped]
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from crawlers.frontier import Frontier
from crawlers.middlewares import KIND, NOT_MODIFIED
from crawlers.pipelines import FetchFailure, RawPage
from parsers.listing.urls import DEFAULT_RULES, PageKind, UrlRules

REDIRECTS = (301, 302, 303, 307, 308)
HOPS = "trialdex_redirect_hops"  # request.meta: redirects followed to reach this URL
RECENT_LINKS = 4096


def hrefs(markup: str | bytes, encoding: str | None = None) -> list[str]:
    """The href of every ``<a>`` element, entities decoded, whitespace stripped.

    libxml2's HTML parser reads the page in one linear pass. A pattern over the
    markup did the same on ordinary pages but backtracked on hostile ones: on a
    60 KB page of unterminated ``<a `` it took 38.8 s, the parser 1.4 ms, while
    an ordinary listing page costs 0.07 ms instead of 0.02 ms (medians of 30,
    `crawlers` link extraction measured side by side).
    """
    if isinstance(markup, str):
        markup, encoding = markup.encode("utf-8"), "utf-8"
    if not markup.strip():
        return []
    parser = etree.HTMLParser(recover=True, no_network=True, encoding=encoding)
    root = etree.fromstring(markup, parser)
    if root is None:
        return []
    return [str(href).strip() for a in root.iter("a") if (href := a.get("href")) is not None]


def page_kind(url: str, rules: UrlRules = DEFAULT_RULES) -> PageKind:
    """``trial``, ``listing`` or ``other``: what a stored URL is, for the parse step."""
    return rules.kind(url)


def normalise(url: str, rules: UrlRules = DEFAULT_RULES) -> str | None:
    """The frontier key of a trial or listing URL, or None for any other URL."""
    return rules.frontier_key(url)


def _as_list(value: str | list[str] | None) -> list[str]:
    """A spider argument given once (a string) or repeated (a list)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class ListingSpider(scrapy.Spider):
    name = "listing"
    uses_frontier = True

    def __init__(
        self,
        start_urls: str | list[str] | None = None,
        sitemap_urls: str | list[str] | None = None,
        allowed_domains: str | list[str] | None = None,
        trial_url_pattern: str = DEFAULT_RULES.trial_url_pattern,
        listing_url_pattern: str = DEFAULT_RULES.listing_url_pattern,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rules = UrlRules(trial_url_pattern, listing_url_pattern)
        self.redirect_limit = 20  # REDIRECT_MAX_TIMES, read from the crawler's settings
        self.start_urls = [canonicalize_url(u) for u in _as_list(start_urls)]
        self.sitemap_urls = [canonicalize_url(u) for u in _as_list(sitemap_urls)]
        seeds = self.start_urls + self.sitemap_urls
        domains = _as_list(allowed_domains)
        self.allowed_domains = list(domains or {urlsplit(u).hostname for u in seeds})
        self._domains = {d.lower() for d in self.allowed_domains if d}
        self.frontier: Frontier | None = None
        self.run_id = 0
        # URLs already handed to the frontier by this process: every listing page
        # links the same menu and pagination, and a Request costs more than a
        # lookup. Bounded, so memory stays flat; the frontier stays the authority.
        self._recent: OrderedDict[str, None] = OrderedDict()

    @staticmethod
    def frontier_seeds(arguments: dict[str, str | list[str]]) -> list[str]:
        """What identifies a crawl in the frontier: an unfinished run with the same seeds
        is resumed."""
        return [
            *_as_list(arguments.get("start_urls")),
            *(f"sitemap:{u}" for u in _as_list(arguments.get("sitemap_urls"))),
        ]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        spider: ListingSpider = super().from_crawler(crawler, *args, **kwargs)
        raw_dir = crawler.settings.get("TRIALDEX_RAW_DIR")
        spider.run_id = crawler.settings.getint("TRIALDEX_RUN_ID", 0)
        spider.redirect_limit = crawler.settings.getint("REDIRECT_MAX_TIMES", 20)
        if raw_dir and spider.run_id:
            spider.frontier = Frontier(raw_dir)
        return spider

    def allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self._domains)

    def request(self, url: str, kind: str = "page", hops: int = 0) -> scrapy.Request:
        callback = self.parse_sitemap if kind == "sitemap" else self.parse
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            meta={
                KIND: kind,
                HOPS: hops,
                "dont_redirect": True,
                "handle_httpstatus_list": list(REDIRECTS),
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        seeds = {*self.sitemap_urls, *self.start_urls}
        for url in self.sitemap_urls:
            yield self.request(url, "sitemap")
        for url in self.start_urls:
            yield self.request(url)
        # A resumed run: what the killed attempt had scheduled but not settled.
        if self.frontier is not None:
            for url, kind in self.frontier.pending(self.run_id):
                if url not in seeds:
                    yield self.request(url, kind)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        # Requests first: the frontier records them before the page is settled,
        # so a crash between the two re-fetches the page rather than losing links.
        if response.status in REDIRECTS:
            location = response.headers.get(b"Location")
            hops = int(response.meta.get(HOPS, 0)) + 1
            if location and hops > self.redirect_limit:
                reason = (
                    f"redirect chain longer than REDIRECT_MAX_TIMES ({self.redirect_limit} hops)"
                )
                self.logger.warning("Failed %s: %s", response.url, reason)
                yield FetchFailure(response.url, reason, False, "page")
                return  # settled as failed, not as a stored redirect
            if location:
                yield from self._follow([location.decode("latin-1")], response, hops=hops)
        elif isinstance(response, TextResponse):
            links = hrefs(response.body, response.encoding)
            yield from self._follow(links, response, paginate=self._worth_paging(links, response))
        yield self._page(response, "page")

    def _worth_paging(self, links: list[str], response: Response) -> bool:
        """Whether to follow the listing links of this page: always from a first page, and
        from a later page only while it still shows trials not seen before. A calendar
        trap (``?page=n+1`` forever) ended only when killed: 193 pages in 120 s."""
        if "page=" not in urlsplit(response.url).query:
            return True
        for href in links:
            key = self.rules.frontier_key(response.urljoin(href))
            if key and self.rules.kind(key) == "trial" and key not in self._recent:
                return True
        return False

    def parse_sitemap(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            # Capped by bytes out: a 1 MB gzip that inflates to 1 GiB took the crawler to
            # 2.1 GB of memory when the whole of it was inflated.
            limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            try:
                body = gunzip(body, max_size=limit)
            except ValueError:  # scrapy's size-exceeded error is a ValueError
                yield FetchFailure(
                    response.url,
                    f"gzipped sitemap inflates beyond DOWNLOAD_MAXSIZE ({limit:,} bytes; "
                    f"{len(response.body):,} bytes compressed)",
                    kind="sitemap",
                )
                return
        try:
            sitemap = Sitemap(body)
        except Exception as exc:  # lxml raises several types on junk
            reason = str(exc) or type(exc).__name__
            yield FetchFailure(response.url, f"unreadable sitemap: {reason}", kind="sitemap")
            return
        for entry in sitemap:
            loc = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                if self.allowed(loc):
                    yield self.request(canonicalize_url(loc), "sitemap")
            else:
                yield from self._follow([loc], response)
        yield self._page(response, "sitemap")

    def _follow(
        self, links: list[str], response: Response, *, hops: int = 0, paginate: bool = True
    ) -> Iterator[scrapy.Request]:
        recent = self._recent
        for href in dict.fromkeys(links):
            url = self.rules.frontier_key(response.urljoin(href))
            if not url or url in recent or not self.allowed(url):
                continue
            if not paginate and self.rules.kind(url) == "listing":
                continue
            recent[url] = None
            if len(recent) > RECENT_LINKS:
                recent.popitem(last=False)
            yield self.request(url, hops=hops)

    def _page(self, response: Response, kind: str) -> RawPage:
        return RawPage.from_response(response, kind, not_modified=NOT_MODIFIED in response.meta)

    def failed(self, failure: Failure) -> Iterator[FetchFailure]:
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get(KIND, "page")
        if isinstance(failure.value, IgnoreRequest) and not _too_large(failure.value):
            reason = _ignored_reason(failure.value)
            self.logger.info("Skipped %s: %s", request.url, reason)
            yield FetchFailure(request.url, reason, True, kind)
        else:
            reason = self._reason(failure)
            self.logger.warning("Failed %s: %s", request.url, reason)
            yield FetchFailure(request.url, reason, False, kind)

    def _reason(self, failure: Failure) -> str:
        exc = failure.value
        if isinstance(exc, HttpError):
            response = exc.response
            tries = response.request.meta.get("retry_times", 0) if response.request else 0
            extra = f" after {tries} retries" if tries else ""
            return f"HTTP {response.status}{extra}"
        # A body over the cap: announced by Content-Length, or found while it streams in.
        if isinstance(exc, CancelledError | DownloadCancelledError) or "max size" in str(exc):
            cap = self.settings.getint("DOWNLOAD_MAXSIZE")
            return f"refused: larger than the size cap (DOWNLOAD_MAXSIZE={cap} bytes)"
        return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _too_large(exc: BaseException) -> bool:
    """Scrapy drops a body that inflates beyond DOWNLOAD_MAXSIZE with an IgnoreRequest:
    that is a failed page (a bomb, or a cap set too low), not a policy skip."""
    return "exceeded DOWNLOAD_MAXSIZE" in str(exc)


def _ignored_reason(exc: BaseException) -> str:
    text = str(exc)
    if "robots.txt" in text:
        return "disallowed by robots.txt"
    return text or "ignored"
