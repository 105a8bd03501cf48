"""Source detection and dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.detect import detect_source, parse_any
from parsers.errors import ParseError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "listing"


@pytest.mark.parametrize(
    ("body", "name", "source"),
    [
        (b'{"protocolSection": {}}', "NCT01234567.json", "ctgov-json"),
        (b'\xef\xbb\xbf  {"studies": []}', "page", "ctgov-json"),
        (b'<?xml version="1.0"?><clinical_study/>', "x", "ctgov-xml"),
        (b"<clinical_study></clinical_study>", "NCT1.xml", "ctgov-xml"),
        (b"<html><body>x</body></html>", "https://withpower.com/trial/abc", "listing"),
        (
            b"<html></html>",
            "https://withpower.com/clinical-trials/for-acne?page=2",
            "listing-cards",
        ),
    ],
)
def test_detect(body: bytes, name: str, source: str) -> None:
    assert detect_source(body, name) == source


def test_detect_fixture_pages() -> None:
    for folder in FIXTURES.iterdir():
        body = (folder / "page.html").read_bytes()
        expected = "listing-cards" if folder.name.startswith("cards") else "listing"
        assert detect_source(body, str(folder / "page.html")) == expected, folder.name


def test_parse_any_dispatches_listing_pages() -> None:
    folder = FIXTURES / "seed_semantic"
    url = (folder / "url.txt").read_text().strip()
    records = parse_any((folder / "page.html").read_bytes(), url)
    assert [r.id for r in records] == [
        "listing:withpower.com:phase-2-multiple-myeloma-8-2017-3c5d1"
    ]
    cards = FIXTURES / "cards_react"
    url = (cards / "url.txt").read_text().strip()
    assert len(parse_any((cards / "page.html").read_bytes(), url)) == 3


def test_parse_any_unknown_source() -> None:
    with pytest.raises(ParseError, match="unknown source"):
        parse_any(b"<html></html>", "x", "pdf")


def test_parse_any_bad_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_any(b"\xff\xfe{", "bad.json")
