"""A patient-facing listing site as a source: the polite crawler, the page parser, its totals.

* fetched by the ``listing`` spider (`crawlers.listing_spider`), resumably,
  from the site's start and sitemap URLs; the site's URL patterns (which URLs
  are listings, which are trials) reach the spider as arguments;
* a stored trial page becomes one record (`parsers.listing.parse_listing`),
  with the id ``listing:<host>:<slug>``; listing pages and other pages are
  skipped, not failed;
* the site states its size on its listing pages ("<N> <Condition> Trials"),
  and the cards of those pages list the trials it has.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawlers.frontier import CrawlSummary
from crawlers.rawstore import RawResponse, RawStore
from parsers.errors import ConfigurationError, ServiceError
from sources.base import ParsedPage, Stated, common_prefix
from sources.listing_sites import ListingSite

INDEX_SOURCE = "listing"

_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<h[1-3]\b[^>]*>(.*?)</h[1-3]\s*>", re.S | re.I)
# "<N> <Condition> Trials [Near You]" at the start of a heading.
_STATED = re.compile(r"^\s*(\d[\d,]*)\s+(?:\S+\s+){0,8}?Trials\b")


@dataclass(frozen=True)
class ListingSource:
    site: ListingSite
    index_source: str = INDEX_SOURCE
    fetch_is_chain: bool = False

    @property
    def name(self) -> str:
        return self.site.source

    def fetch(self, raw_dir: Path, *, since: datetime | None) -> CrawlSummary:
        """Crawl the site (``since`` does not apply: conditional requests find what changed)."""
        from crawlers.client import run_spider

        site = self.site
        if not site.start_urls and not site.sitemap_urls:
            raise ConfigurationError(
                f"listing site {site.name!r} has no start_urls or sitemap_urls: set them in the "
                "Variable trialdex_listing_sites or pass them as params"
            )
        summary = run_spider(
            "listing",
            raw_dir,
            {
                "start_urls": list(site.start_urls),
                "sitemap_urls": list(site.sitemap_urls),
                "allowed_domains": list(site.allowed_domains),
                "trial_url_pattern": site.trial_url_pattern,
                "listing_url_pattern": site.listing_url_pattern,
            },
            settings=site.settings or None,
        )
        if not summary.finished:
            # Fail the attempt: the retry resumes the crawl where it stopped.
            raise ServiceError(
                f"crawl of {self.name} stopped with {summary.pending} page(s) pending"
            )
        return summary

    def parse(self, response: RawResponse, body: bytes) -> ParsedPage:
        from parsers.listing import parse_listing
        from parsers.listing.dom import charset_of

        url = response.final_url or response.url
        if not self.site.is_trial_page(url):
            return ParsedPage(
                skipped="listing page" if self.site.is_listing_page(url) else "not a trial page"
            )
        record = parse_listing(
            body,
            url,
            fetched_at=response.fetched_at,
            rules=self.site.rules,
            encoding=charset_of(response.headers.get("content-type")),
        )
        return ParsedPage(records=[record])

    def stated(self, raw_dir: Path) -> Stated:
        store = RawStore(raw_dir)
        try:
            per_listing, listed = snapshot(self.site, store)
        finally:
            store.close()
        return Stated(
            total=sum(per_listing.values()) if per_listing else None,
            detail={"per_listing": per_listing},
            listed_ids=frozenset(listed),
            id_prefix=common_prefix(listed),
        )


def stated_listing_total(body: bytes, encoding: str | None = None) -> int | None:
    """The "<N> <Condition> Trials" count a condition listing page states (``encoding``: the
    HTTP response's charset when known)."""
    from parsers.listing.dom import decode_page

    for heading in _HEADING.findall(decode_page(body, encoding)):
        match = _STATED.match(html.unescape(_TAG.sub(" ", heading)))
        if match:
            return int(match.group(1).replace(",", ""))
    return None


def _condition_key(url: str) -> str:
    # ?page=N repeats the same condition's total; count each condition once.
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}"


def snapshot(site: ListingSite, store: RawStore) -> tuple[dict[str, int], set[str]]:
    """Stated totals per condition and the trial ids on the cards, from the latest pages."""
    from parsers.listing import parse_listing_cards
    from parsers.listing.dom import charset_of

    stated: dict[str, int] = {}
    listed: set[str] = set()
    hosts = site.hosts()
    for response in store.iter_latest():
        url = response.final_url or response.url
        if response.status != 200 or not site.is_listing_page(url):
            continue
        if hosts and urlsplit(url).netloc not in hosts:
            continue  # the site moved: its old address no longer speaks for it
        body = store.body(response)
        encoding = charset_of(response.headers.get("content-type"))
        total = stated_listing_total(body, encoding)
        if total is not None:
            stated.setdefault(_condition_key(url), total)
        try:
            cards = parse_listing_cards(body, url, rules=site.rules, encoding=encoding)
            listed.update(card.id for card in cards)
        except Exception:  # a broken listing page only weakens the comparison
            continue
    return stated, listed
