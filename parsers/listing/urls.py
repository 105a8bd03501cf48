"""What a listing-site URL is, and the one key a page is known by.

`UrlRules` is the single statement of the site's URL layout; the parser, the
spider (``crawlers.listing_spider``) and the pipeline's site configuration
(``sources.listing_sites``) all ask it rather than keeping patterns of their own.

Kinds. A URL is a **trial** page when its path matches ``trial_url_pattern``,
else a **listing** page when its path matches ``listing_url_pattern``, else
**other**. Patterns are regexes searched (`re.search`) in the URL's path only:
host and scheme are the crawl's allowed-domains business, the query and the
fragment never change what a page is. The defaults:

* trial: ``/trial/<slug>`` or ``/trials/<slug>``, optionally under a prefix
  (``/en/trial/<slug>``) and with a trailing slash; nothing after the slug.
* listing: any path holding ``/clinical-trials/`` (condition listings
  ``/clinical-trials/for-<condition>`` and their regional variants
  ``…/for-<condition>-within-<state>``).

Record ids. ``listing:<host>:<slug>``: the host lower-cased without ``www.``
("local" for ``file:`` URLs), the slug after ``/trial/`` or ``/trials/``, else
the last path segment without ``.html``, else "index"; whitespace in the slug
becomes "-". Query and fragment never count, so every visit and every card
that links the trial gives the same id.

Frontier keys. The spider schedules a page once per key: None for anything but
an http(s) trial or listing URL; otherwise the URL without fragment, a trial
URL without query, a listing URL with only its last ``page`` parameter (and
none for ``page=1``). The key is canonical: scheme and host lower-cased,
internationalised host names in IDNA, percent-escapes in the path decoded
where they need not be escaped and upper-cased where they must, ``.`` and
``..`` segments resolved, an empty path written "/".

Conditions. A trial slug reads "[<phase>-]<condition>-<month>-<year>-<5 hex>"
(``phase-2-multiple-myeloma-8-2017-3c5d1`` -> "Multiple Myeloma"); a listing
path ``/clinical-trials/for-<condition>[-within-<region>]`` names its condition.
Words are capitalised except short joining words after the first.

A URL Python cannot split (``https://[::1/x``, a non-numeric port) is a
`ParseError` for `kind` and `record_id`, and has no frontier key.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from ipaddress import ip_address
from typing import Literal
from urllib.parse import SplitResult, parse_qsl, quote, unquote_to_bytes, urlencode, urlsplit

from parsers.errors import ParseError

__all__ = ["DEFAULT_RULES", "PageKind", "UrlRules", "record_id", "slug_words", "split_url"]

PageKind = Literal["trial", "listing", "other"]

SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "vs",
        "&",
    ]
)

_SLUG = re.compile(r"/trials?/([^/?#]+)")
_TRIAL_SLUG = re.compile(
    r"^(?:early-phase-1-|phase-\d(?:-\d)?-|unphased-|not-applicable-)?"
    r"(?P<condition>[a-z0-9-]+?)-\d{1,2}-\d{4}-[0-9a-f]{5}$"
)
_LISTING_CONDITION = re.compile(r"/clinical-trials/for-([a-z0-9-]+)")
# Characters a canonical path leaves as they are: RFC 3986 reserved and "|";
# "%" stays so an escape that must remain one (%2F, %3F, %3B, %25) survives.
_PATH_SAFE = ":/?[]@!$&'()*+,;=|%"
_PARAMS_SAFE = ":/?@!$&'()*+,;=%"
# Escapes whose decoding would change how the path splits; they are protected
# from the decode step by escaping their "%".
_KEEP_ESCAPED = re.compile(r"%(25|2[fF]|3[bBfF])")


def slug_words(slug: str) -> str:
    """ "multiple-myeloma" -> "Multiple Myeloma"; joining words after the first stay lower."""
    words = [w for w in slug.split("-") if w]
    return " ".join(
        word if index and word in SMALL_WORDS else word.capitalize()
        for index, word in enumerate(words)
    )


def split_url(url: str) -> SplitResult:
    """`urlsplit`, with a malformed host or port as a `ParseError`."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise ParseError(url, "malformed URL") from None
    return parts


@dataclass(frozen=True)
class UrlRules:
    """A listing site's URL layout (see the module docstring)."""

    trial_url_pattern: str = r"/trials?/[^/]+/?$"
    listing_url_pattern: str = r"/clinical-trials/"

    def __post_init__(self) -> None:
        # A bad pattern fails where the rules are made, not at the first URL asked about.
        for pattern in (self.trial_url_pattern, self.listing_url_pattern):
            re.compile(pattern)

    @cached_property
    def _trial(self) -> re.Pattern[str]:
        return re.compile(self.trial_url_pattern)

    @cached_property
    def _listing(self) -> re.Pattern[str]:
        return re.compile(self.listing_url_pattern)

    def _path_kind(self, path: str) -> PageKind:
        if self._trial.search(path):
            return "trial"
        if self._listing.search(path):
            return "listing"
        return "other"

    def kind(self, url: str) -> PageKind:
        return self._path_kind(split_url(url).path)

    def is_trial(self, url: str) -> bool:
        return self.kind(url) == "trial"

    def is_listing(self, url: str) -> bool:
        return self.kind(url) == "listing"

    def record_id(self, url: str) -> str:
        return record_id(url)

    def frontier_key(self, url: str) -> str | None:
        try:
            parts = split_url(url)
        except ParseError:
            return None
        if parts.scheme not in ("http", "https"):
            return None
        kind = self._path_kind(parts.path)
        if kind == "trial":
            query = ""
        elif kind == "listing":
            pages = [(k, v) for k, v in parse_qsl(parts.query) if k == "page" and v != "1"]
            query = urlencode(pages[-1:])
        else:
            return None
        return SplitResult(parts.scheme, _netloc(parts), _path(parts.path), query, "").geturl()

    def conditions_from_url(self, url: str) -> list[str]:
        path = split_url(url).path
        slug = _SLUG.search(path)
        trial = _TRIAL_SLUG.match(slug.group(1)) if slug else None
        if trial:
            return [slug_words(trial.group("condition"))]
        if slug:
            return []
        listing = _LISTING_CONDITION.search(path)
        condition = listing.group(1).split("-within-")[0] if listing else ""
        return [slug_words(condition)] if condition else []


DEFAULT_RULES = UrlRules()


def record_id(url: str) -> str:
    """``listing:<host>:<slug>`` for a trial page URL (see the module docstring)."""
    parts = split_url(url)
    host = (parts.hostname or "").lower().removeprefix("www.") or "local"
    match = _SLUG.search(parts.path)
    if match:
        slug = match.group(1)
    else:
        segments = [s for s in parts.path.split("/") if s]
        slug = re.sub(r"\.html?$", "", segments[-1]) if segments else "index"
    slug = re.sub(r"\s+", "-", slug)
    return f"listing:{host}:{slug}"


def _netloc(parts: SplitResult) -> str:
    host = parts.hostname or ""
    # An over-long or empty label cannot be IDNA-encoded; such a host is kept as written.
    with suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{ip_address(host)}]" if _is_ip(host) else f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{userinfo}@{host}{port}" if userinfo else f"{host}{port}"


def _is_ip(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def _path(path: str) -> str:
    # Parameters (";..." in the last segment) are only escaped, as Scrapy's keys have them.
    semicolon = path.find(";", path.rfind("/") + 1)
    params = ""
    if semicolon != -1:
        path, params = path[:semicolon], ";" + quote(path[semicolon + 1 :], safe=_PARAMS_SAFE)
    if not path:
        return "/" + params
    protected = _KEEP_ESCAPED.sub(lambda m: "%25" + m.group(1).upper(), path)
    path = quote(unquote_to_bytes(protected), safe=_PATH_SAFE)
    return (_without_dot_segments(path) if path.startswith("/") else path) + params


def _without_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4 for an absolute path."""
    out: list[str] = []
    segments = path.split("/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        elif segment == ".":
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)
