"""Listing pages are read in the encoding they declare: HTTP header, BOM, <meta>, then a
fallback that never refuses a page (UTF-8 when it decodes, else Windows-1252)."""

from __future__ import annotations

import pytest

from parsers.listing import parse_listing
from parsers.listing.dom import charset_of, decode_page, page_encoding

URL = "https://www.withpower.com/trial/phase-2-acne-vulgaris-1-2024-abcde"


def page(head: str = "", title: str = "Crème for Acne", answer: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}</head><body><p>40 Participants Needed</p>"
        f"<p>{title}</p><p>Recruiting at 2 trial locations</p><p>Trial Summary</p>"
        f"<p>What is it?</p><p>{answer}</p></body></html>"
    )


ANSWER = "Dr. Müller leads the study in São Paulo."


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="iso-8859-1">',
        "<meta charset=ISO-8859-1>",
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
    ],
)
def test_latin1_page_declared_by_meta(head: str) -> None:
    body = page(head, answer=ANSWER).encode("latin-1")
    record = parse_listing(body, URL)
    assert record.title == "Crème for Acne"
    assert record.qa[0].answer == ANSWER


def test_http_header_charset_wins_over_the_meta() -> None:
    # The page's <meta> says UTF-8 but the server sent Latin-1 and said so.
    body = page('<meta charset="utf-8">', answer=ANSWER).encode("latin-1")
    record = parse_listing(body, URL, encoding=charset_of("text/html; charset=ISO-8859-1"))
    assert record.qa[0].answer == ANSWER


def test_latin1_label_reads_windows_1252_quotes() -> None:
    body = page('<meta charset="iso-8859-1">', answer="It’s a “cream” – twice daily.")
    record = parse_listing(body.encode("cp1252"), URL)
    assert record.qa[0].answer == "It’s a “cream” – twice daily."


def test_undeclared_latin1_page_falls_back_to_windows_1252() -> None:
    record = parse_listing(page(answer=ANSWER).encode("latin-1"), URL)
    assert record.qa[0].answer == ANSWER


def test_utf8_page_with_a_stray_invalid_byte_parses() -> None:
    body = page('<meta charset="utf-8">', answer=ANSWER).encode("utf-8")
    body = body.replace(b"leads", b"le\xffads")
    record = parse_listing(body, URL)
    assert record.title == "Crème for Acne"
    assert record.qa[0].answer == "Dr. Müller le\ufffdads the study in São Paulo."


@pytest.mark.parametrize(
    ("body", "declared", "expected"),
    [
        (b"\xef\xbb\xbf<p>x</p>", "iso-8859-1", "utf-8"),  # the BOM is the bytes' own word
        (b"\xff\xfe<\x00p\x00>\x00", None, "utf-16-le"),
        (b'<meta charset="utf-16"><p>x</p>', None, "utf-8"),
        (b'<meta charset="utf-7"><p>caf\xc3\xa9</p>', None, "utf-8"),  # UTF-7 never honoured
        (b"<p>x</p>", "no-such-charset", "utf-8"),
        (b"<p>x</p>", "rot13", "utf-8"),  # a codec, but not a text encoding
        (b"<p>caf\xe9</p>", None, "cp1252"),
        (b"<p>caf\xe9</p>", "windows-1252", "cp1252"),
        (b"<p>caf\xe9</p>", "latin1", "cp1252"),
    ],
)
def test_page_encoding_order(body: bytes, declared: str | None, expected: str) -> None:
    assert page_encoding(body, declared) == expected


def test_decode_page_never_fails() -> None:
    assert decode_page(b"\x81\x8d\x8f\x90\x9d", "windows-1252") == "\ufffd" * 5
    assert decode_page(b"\xef\xbb\xbfcaf\xc3\xa9") == "café"


def test_charset_of_header_values() -> None:
    assert charset_of('text/html; charset="UTF-8"') == "UTF-8"
    assert charset_of("text/html") is None
    assert charset_of(None) is None
