"""The listing source hands the parser the charset the stored response's Content-Type gave."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.rawstore import RawResponse
from sources.listing import ListingSource
from sources.listing_sites import ListingSite

URL = "https://www.withpower.com/trial/phase-2-acne-vulgaris-1-2024-abcde"
PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
    "<p>40 Participants Needed</p><p>Crème for Acne</p><p>Recruiting at 2 trial locations</p>"
    "</body></html>"
)


def _response(content_type: str) -> RawResponse:
    return RawResponse(
        id=1,
        source="listing_sample",
        url=URL,
        final_url=URL,
        status=200,
        headers={"content-type": content_type},
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        sha256="0" * 64,
        size=len(PAGE),
    )


def test_header_charset_decodes_the_page() -> None:
    source = ListingSource(ListingSite(name="sample"))
    parsed = source.parse(_response("text/html; charset=ISO-8859-1"), PAGE.encode("latin-1"))
    assert [r.title for r in parsed.records] == ["Crème for Acne"]
