"""The links a condition listing page offers: trial pages and its other result pages.

* Trial URLs: every ``<a href>`` whose absolute URL is a trial URL
  (`parsers.listing.urls`), without its query, once each, in page order.
* Result pages: links to the same path with a ``page`` query parameter naming
  another page than this one (a page without ``page`` is page 1); each URL once.
* Next page: the link to page current + 1; when several do, the last whose
  text starts with "Next", else the first.

Fragments are dropped; ``javascript:``, ``mailto:``, ``tel:`` and malformed
links are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from parsers.listing.dom import absolute, anchors, build_tree
from parsers.listing.urls import DEFAULT_RULES, UrlRules, split_url

__all__ = ["ListingLinks", "listing_page_links"]


@dataclass(frozen=True)
class ListingLinks:
    """Links a condition listing page offers: trial pages and other result pages."""

    trial_urls: list[str]
    page_urls: list[str]
    next_url: str | None


def _page_number(url: str) -> int:
    values = parse_qs(split_url(url).query).get("page", [])
    return int(values[0]) if values and values[0].isdigit() else 1


def listing_page_links(
    body: bytes, url: str, *, rules: UrlRules = DEFAULT_RULES, encoding: str | None = None
) -> ListingLinks:
    """Trial page URLs and pagination URLs of a listing page (by href pattern and link text);
    ``encoding`` is the HTTP response's charset when known."""
    root = build_tree(body, url, encoding=encoding)
    current_path = split_url(url).path
    current = _page_number(url)
    trials: dict[str, None] = {}
    pages: dict[str, None] = {}
    next_url: str | None = None
    for anchor in anchors(root):
        target = absolute(url, anchor.get("href"))
        if not target:
            continue
        if rules.is_trial(target):
            trials[target.split("?", 1)[0]] = None
            continue
        parts = split_url(target)
        if parts.path != current_path or "page" not in parse_qs(parts.query):
            continue
        number = _page_number(target)
        if number != current:
            pages[target] = None
        label = anchor.text_content().strip().lower()
        if number == current + 1 and (next_url is None or label.startswith("next")):
            next_url = target
    return ListingLinks(trial_urls=list(trials), page_urls=list(pages), next_url=next_url)
