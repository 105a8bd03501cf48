"""Patient-facing trial listing sites (withpower.com and look-alikes) -> `TrialRecord`.

Three kinds of input, one module each:

* a trial page -> one record: `parse_listing` (`parsers.listing.trial_page`);
* a condition listing page -> one record per trial card: `parse_listing_cards`
  (`parsers.listing.cards`);
* a condition listing page -> the trial and result-page URLs it links:
  `listing_page_links` (`parsers.listing.links`).

All three read the same visible lines (`parsers.listing.dom`), never CSS
classes, and take the site's URL layout as a `UrlRules` value
(`parsers.listing.urls`, defaults in `DEFAULT_RULES`), which is also what the
spider and the pipeline ask which URL is a trial or a listing page.
`record_id` gives the id a trial's records carry, the same from its page and
from any card linking it. `build_tree` reads a page the way all three do,
refusing pages over `MAX_PAGE_BYTES`. Unreadable input is a `ParseError`; a
value the record contract refuses is a `RecordValidationError`.
"""

from __future__ import annotations

from parsers.listing.assemble import PARSER_VERSION
from parsers.listing.cards import parse_listing_cards
from parsers.listing.dom import MAX_PAGE_BYTES, build_tree
from parsers.listing.links import ListingLinks, listing_page_links
from parsers.listing.trial_page import parse_listing
from parsers.listing.urls import DEFAULT_RULES, UrlRules, record_id

__all__ = [
    "DEFAULT_RULES",
    "MAX_PAGE_BYTES",
    "PARSER_VERSION",
    "ListingLinks",
    "UrlRules",
    "build_tree",
    "listing_page_links",
    "parse_listing",
    "parse_listing_cards",
    "record_id",
]
