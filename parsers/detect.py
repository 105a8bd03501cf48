"""Which parser a raw file needs, and one entry point that runs it.

`detect_source` looks at the first bytes and the name (file path or URL):
JSON is ClinicalTrials.gov API JSON, XML is a ClinicalTrials.gov XML record,
HTML is a listing page, and a listing page with several trial cards (or a
URL the listing sites' `parsers.listing.UrlRules` call a listing) is a
condition listing page.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from parsers.errors import ParseError
from parsers.listing import DEFAULT_RULES, MAX_PAGE_BYTES
from parsers.records import TrialRecord

SOURCES = ("listing", "listing-cards", "ctgov-json", "ctgov-xml")

# Registry API pages carry up to 1,000 studies; a listing page is one document.
MAX_REGISTRY_BYTES = 256 * 1024 * 1024
SIZE_LIMITS = {
    "listing": MAX_PAGE_BYTES,
    "listing-cards": MAX_PAGE_BYTES,
    "ctgov-json": MAX_REGISTRY_BYTES,
    "ctgov-xml": MAX_REGISTRY_BYTES,
}

_CARD_MARK = re.compile(rb"participants?\s+needed", re.I)


def detect_source(body: bytes, name: str) -> str:
    """``"listing"``, ``"listing-cards"``, ``"ctgov-json"`` or ``"ctgov-xml"``."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    lowered_name = name.lower().split("?", 1)[0]
    if head.startswith((b"{", b"[")) or lowered_name.endswith(".json"):
        return "ctgov-json"
    if head.startswith(b"<?xml") and b"<html" not in head:
        return "ctgov-xml"
    if lowered_name.endswith(".xml") and b"<html" not in head:
        return "ctgov-xml"
    kind = _url_kind(name)
    if kind == "listing":
        return "listing-cards"
    if kind == "trial":
        return "listing"
    if len(_CARD_MARK.findall(body[:MAX_PAGE_BYTES])) >= 2:
        return "listing-cards"
    return "listing"


def _url_kind(name: str) -> str:
    """What the listing sites' URL rules say ``name`` is (a file path reads as a URL path)."""
    try:
        return DEFAULT_RULES.kind(name)
    except ParseError:
        return "other"


def _ctgov(function: str) -> Callable[..., Any] | None:
    """A function of `parsers.ctgov` if that module (written separately) provides it."""
    try:
        module = importlib.import_module("parsers.ctgov")
    except ImportError:
        return None
    found = getattr(module, function, None)
    return found if callable(found) else None


def _check_size(body: bytes, name: str, source: str) -> None:
    limit = SIZE_LIMITS[source]
    if len(body) > limit:
        raise ParseError(name, f"file too large: {len(body):,} bytes (limit {limit:,})")
    if not body.strip():
        raise ParseError(name, "empty file")


def _ctgov_json(body: bytes, name: str, errors: list[ParseError] | None) -> list[TrialRecord]:
    _check_size(body, name, "ctgov-json")
    if body.lstrip()[:1] == b"{" and b'"studies"' in body[:4096]:
        page = _ctgov("parse_studies_page")
        if page is not None:
            records, failed, _token = page(body, name)
            if errors is not None:
                errors.extend(failed)
            elif failed and not records:
                raise failed[0]
            return list(records)
    single = _ctgov("parse_study_json")
    if single is None:
        raise ParseError(name, "no ClinicalTrials.gov JSON parser (parsers.ctgov) is installed")
    return [single(body, name)]


def _ctgov_xml(body: bytes, name: str) -> list[TrialRecord]:
    _check_size(body, name, "ctgov-xml")
    single = _ctgov("parse_study_xml")
    if single is None:
        raise ParseError(name, "no ClinicalTrials.gov XML parser (parsers.ctgov) is installed")
    return [single(body, name)]


def parse_any(
    body: bytes,
    name: str,
    source: str | None = None,
    *,
    fetched_at: datetime | None = None,
    errors: list[ParseError] | None = None,
) -> list[TrialRecord]:
    """Parse one raw file with the parser for ``source`` (detected when None).

    ``name`` is the page URL for listing pages and the origin named in errors.
    Raises `ParseError` (never anything else on purpose) for unreadable input.
    A ClinicalTrials.gov API page may hold some bad studies among good ones:
    their errors go to ``errors`` when given (else the page fails only when
    no study could be read).
    """
    from parsers.listing import parse_listing, parse_listing_cards

    kind = source or detect_source(body, name)
    if kind == "listing":
        return [parse_listing(body, name, fetched_at=fetched_at)]
    if kind == "listing-cards":
        return parse_listing_cards(body, name, fetched_at=fetched_at)
    if kind == "ctgov-json":
        return _ctgov_json(body, name, errors)
    if kind == "ctgov-xml":
        return _ctgov_xml(body, name)
    raise ParseError(name, f"unknown source {kind!r} (expected one of {', '.join(SOURCES)})")
