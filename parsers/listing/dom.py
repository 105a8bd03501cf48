"""Raw page bytes -> one lxml tree -> the page's visible lines.

The listing parser reads text, never CSS classes: this module turns any of the
supported DOM styles into the same sequence of `Line` objects, one per visual
line (block element, ``<br>``, table cell). Inline elements (``span``, ``a``,
``strong``...) join into their line, as a browser shows them; the boundary
between two inline elements is kept as `SEP` so "No Placebo Group" and
"Pivotal Trial" in two adjacent ``<span>`` can still be told apart, while the
plain `Line.text` shows them glued as the page does.
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from parsers.citations import SUP_CLOSE, SUP_OPEN
from parsers.errors import ParseError

MAX_PAGE_BYTES = 5 * 1024 * 1024

SEP = "\x1f"

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "button",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "label",
        "legend",
        "li",
        "main",
        "menu",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# Never visible, or site chrome around the page's own content.
SKIP_TAGS = frozenset(
    [
        "head",
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "select",
        "option",
        "optgroup",
        "datalist",
        "textarea",
        "iframe",
        "object",
        "canvas",
        "nav",
        "audio",
        "video",
        "input",
        "img",
    ]
)

SECTIONING_TAGS = frozenset({"article", "section", "aside", "blockquote", "figure", "details"})

_local = threading.local()

_TRAILING_HTML = re.compile(r"</html\s*>", re.I)


# How far into the page a <meta charset> is looked for; browsers prescan 1024 bytes, but
# pages with long <head> scripts put it later.
_META_SCAN_BYTES = 4096
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_HEADER_CHARSET = re.compile(r"\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value, or None."""
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    """Python's codec for an encoding label, or None when unknown or not a text encoding.

    Latin-1 and ASCII labels read as Windows-1252, as browsers do: pages that say
    ``iso-8859-1`` routinely use its 0x80-0x9f bytes for curly quotes and dashes.
    UTF-7 is never honoured (browsers refuse it too: it hides markup from filters).
    """
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip())
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # rot13, base64...: codecs, but not of text
    name = info.name
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name == "utf-7":
        return None
    return name


def page_encoding(body: bytes, declared: str | None = None) -> str:
    """The encoding to read ``body`` with (a Python codec name).

    In order: a byte-order mark (the bytes themselves say it, so it beats any label,
    as in browsers); ``declared``, the HTTP header's charset; a ``<meta charset>`` or
    ``http-equiv`` Content-Type in the first bytes (a UTF-16 one means UTF-8: a page
    whose ASCII ``<meta>`` could be read is not UTF-16); then UTF-8 when the whole page
    decodes as UTF-8, else Windows-1252, which maps every byte to a character.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    codec = _codec(declared)
    if codec:
        return codec
    meta = _META_CHARSET.search(body, 0, _META_SCAN_BYTES)
    if meta:
        codec = _codec(meta.group(1).decode("ascii"))
        if codec:
            return "utf-8" if codec.startswith("utf-16") else codec
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def decode_page(body: bytes, declared: str | None = None) -> str:
    """The page as text in `page_encoding`; a byte invalid there becomes U+FFFD rather
    than refusing the page (one stray byte in a "UTF-8" page costs one character)."""
    encoding = page_encoding(body, declared)
    bom = codecs.BOM_UTF8 if encoding == "utf-8" else b""
    if encoding.startswith("utf-16"):
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    raw = body[len(bom) :] if bom and body.startswith(bom) else body
    return raw.decode(encoding, "replace")


def check_body(body: bytes, origin: str, *, encoding: str | None = None) -> str:
    """The page as text (`decode_page`, ``encoding`` being the HTTP header's charset when
    known), or a `ParseError` saying why it cannot be a page."""
    if not isinstance(body, bytes | bytearray):
        raise ParseError(origin, f"expected bytes, got {type(body).__name__}")
    if len(body) > MAX_PAGE_BYTES:
        raise ParseError(origin, f"page too large: {len(body):,} bytes (limit {MAX_PAGE_BYTES:,})")
    body = bytes(body)
    text = decode_page(body, encoding)
    if not text.strip():
        raise ParseError(origin, "empty page")
    head = text[:4096].lower()
    if "<html" in head and not _TRAILING_HTML.search(text, max(0, len(text) - 4096)):
        raise ParseError(origin, "truncated page: no closing </html>")
    return text


def build_tree(body: bytes, origin: str, *, encoding: str | None = None) -> Any:
    """One lxml HTML tree for the page (after `check_body`; ``encoding`` as there)."""
    text = check_body(body, origin, encoding=encoding)
    parser = getattr(_local, "parser", None)
    if parser is None:
        # Building a parser costs as much as parsing a small page; one per thread (not shared,
        # an lxml parser is not thread-safe).
        parser = _local.parser = lxml.html.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True
        )
    try:
        # Decoded here, handed to lxml as UTF-8 with the encoding fixed: a <meta charset>
        # in the page must not make libxml2 decode it a second time.
        root = lxml.html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(origin, f"not an HTML page: {exc}") from None
    if root is None:
        raise ParseError(origin, "not an HTML page")
    return root


def _squash(text: str) -> str:
    return " ".join(text.split())


class Line:
    """One visible line: its text, the block tag it came from, its link (if any)."""

    __slots__ = ("_parts", "href", "raw", "tag", "text")

    def __init__(self, raw: str, tag: str, href: str | None) -> None:
        self.raw = raw
        self.tag = tag
        self.href = href
        self.text = _squash(raw.replace(SEP, "").replace(SUP_OPEN, "").replace(SUP_CLOSE, ""))
        self._parts: list[str] | None = None

    @property
    def parts(self) -> list[str]:
        """The texts of the inline pieces of the line (split where elements met)."""
        if self._parts is None:
            raw = self.raw.replace(SUP_OPEN, "").replace(SUP_CLOSE, "")
            self._parts = [p for p in (_squash(x) for x in raw.split(SEP)) if p]
        return self._parts

    @property
    def cited(self) -> str:
        """The text with ``<sup>`` markers kept (for citation decoding)."""
        return _squash(self.raw.replace(SEP, ""))

    def __repr__(self) -> str:
        return f"Line({self.text!r}, {self.tag})"


def linearize(root: Any) -> list[Line]:
    """The visible lines under ``root``, in document order."""
    lines: list[Line] = []
    buf: list[str] = []
    blocks: list[str] = ["body"]
    anchors: list[str | None] = []
    seen_href: list[str | None] = [None]
    sectioning = [0]

    def flush() -> None:
        if buf:
            raw = "".join(buf)
            buf.clear()
            if raw.strip(SEP + SUP_OPEN + SUP_CLOSE + " \t\r\n\xa0"):
                href = seen_href[0] or (anchors[-1] if anchors else None)
                lines.append(Line(raw, blocks[-1], href))
        seen_href[0] = None

    def walk(el: Any) -> None:
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIP_TAGS or el.get("hidden") is not None:
            return
        if tag == "br":
            flush()
            return
        if tag == "footer" and not sectioning[0]:
            return  # the site's footer; a footer inside an article or quote is content
        if tag == "sup":
            buf.append(SUP_OPEN + el.text_content() + SUP_CLOSE)
            return
        block = tag in BLOCK_TAGS
        if block:
            flush()
            blocks.append(tag)
        else:
            buf.append(SEP)
        sections = tag in SECTIONING_TAGS
        if sections:
            sectioning[0] += 1
        is_anchor = tag == "a"
        if is_anchor:
            href = el.get("href")
            anchors.append(href)
            if seen_href[0] is None:
                seen_href[0] = href
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if is_anchor:
            anchors.pop()
        if sections:
            sectioning[0] -= 1
        if block:
            flush()
            blocks.pop()
        else:
            buf.append(SEP)

    walk(root)
    flush()
    return lines


def absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against the page URL (fragments dropped), or None."""
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "#")):
        return None
    try:
        joined = urljoin(base, href)
        urlsplit(joined).port  # noqa: B018 - raises ValueError for a malformed host or port
    except ValueError:
        return None
    return joined.split("#", 1)[0]


def anchors(root: Any) -> list[Any]:
    """Every ``<a href>`` element, in document order."""
    return [a for a in root.iter("a") if a.get("href")]
