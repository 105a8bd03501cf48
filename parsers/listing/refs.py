"""The "References" and "Findings from Research" sections of a listing page.

A reference is a title line ending in its year ("Title. [2018]"). Some
entries are preceded by a line with the list number, the country of the
journal and the database it came from, which extracted text glues together:
"10.United Statespubmed.ncbi.nlm.nih.gov". That line belongs to the entry that
follows it (the seed page shows nine bare titles, then "10.…" before the tenth
and "11.…" before the eleventh): its number is the entry's number, its domain
the entry's ``source``; the country has no field and is dropped. The same
pieces may come as separate elements ("10.", "United States",
"pubmed.ncbi.nlm.nih.gov") or on one line with the title.

A finding is one or more claim sentences followed by the work they come from:
"Title.Authors.[2018]" glued, or title, authors and year as separate lines.

A reference's PubMed id and DOI come from its link or its text, and are kept
only when valid (`parsers.identifiers`); one that is not is dropped with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from parsers.identifiers import valid_doi, valid_pmid
from parsers.listing.dom import Line

# Countries a journal can be listed under; used to split "United Statespubmed…".
COUNTRIES = sorted(
    """United States|United Kingdom|Canada|Australia|New Zealand|Ireland|Germany|France|Italy|
    Spain|Portugal|Netherlands|Belgium|Switzerland|Austria|Denmark|Sweden|Norway|Finland|
    Poland|Czech Republic|Czechia|Hungary|Greece|Turkey|Israel|Japan|China|Korea|
    South Korea|Taiwan|Hong Kong|Singapore|India|Pakistan|Iran|Egypt|South Africa|Nigeria|
    Brazil|Argentina|Mexico|Chile|Colombia|Russia|Ukraine|Romania|Croatia|Serbia|Slovenia|
    Saudi Arabia|United Arab Emirates|Thailand|Malaysia|Indonesia|Philippines|Vietnam|
    England|Scotland|Wales|USA|UK""".replace("\n", "").split("|"),
    key=len,
    reverse=True,
)
_COUNTRIES = tuple(c.strip() for c in COUNTRIES)

_NUMBER = re.compile(r"^(\d{1,3})\.\s*")
_DOMAIN = re.compile(r"^((?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,})(?=$|[\s·|,])")
_SEPARATORS = " ·|,-–"
_YEAR_END = re.compile(r"\s*[\[(]((?:18|19|20|21)\d\d)[\])]\s*\.?\s*$")
_PUBMED = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(\d+)")
_DOI = re.compile(r"doi\.org/(10\.\d{4,9}/\S+)")
_PMID_TEXT = re.compile(r"\bPMID:?\s*(\d{4,9})\b")


def clean_title(text: str) -> str:
    """A work's title without its closing period (question marks stay)."""
    text = text.strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text


def _prefix(text: str) -> tuple[int | None, bool, str | None, str]:
    """Split "10.United Statespubmed.ncbi.nlm.nih.gov Title" into its pieces.

    Returns (number, had_country, domain, rest of the text).
    """
    number: int | None = None
    rest = text
    match = _NUMBER.match(rest)
    if match:
        number = int(match.group(1))
        rest = rest[match.end() :]
    country = False
    for name in _COUNTRIES:
        if rest.startswith(name) and (len(rest) == len(name) or not rest[len(name)].isupper()):
            tail = rest[len(name) :]
            # "Japan's cohort…" is a title; "Japanpubmed…" and "Japan" are a country.
            if not tail or tail[0] in _SEPARATORS or _DOMAIN.match(tail):
                country = True
                rest = tail.lstrip(_SEPARATORS)
                break
    domain: str | None = None
    match = _DOMAIN.match(rest)
    if match:
        domain = match.group(1)
        rest = rest[match.end() :].lstrip(_SEPARATORS)
    return number, country, domain, rest


@dataclass(frozen=True)
class ReferenceEntry:
    number: int
    title: str | None
    year: int | None
    source: str | None
    url: str | None = None
    pmid: str | None = None
    doi: str | None = None


@dataclass(frozen=True)
class FindingEntry:
    text: str
    title: str | None
    authors: str | None
    year: int | None


def _checked(
    kind: str, found: str | None, valid: str | None, where: str, warnings: list[str]
) -> None:
    if found is not None and valid is None:
        warnings.append(f"{where}: not a {kind}: {found[:80]!r}")


def _with_link_ids(
    entry: ReferenceEntry, url: str | None, text: str, warnings: list[str]
) -> ReferenceEntry:
    """The entry with the URL of its link and the PubMed id and DOI the link or text gives."""
    where = f"reference {entry.number}"
    if url and url.startswith(("http://", "https://")):
        pubmed = _PUBMED.search(url)
        doi = _DOI.search(url)
        pmid = valid_pmid(pubmed.group(1)) if pubmed else None
        doi_id = valid_doi(doi.group(1)) if doi else None
        _checked("PMID", pubmed.group(1) if pubmed else None, pmid, where, warnings)
        _checked("DOI", doi.group(1) if doi else None, doi_id, where, warnings)
        entry = replace(entry, url=url, pmid=pmid, doi=doi_id)
    if entry.pmid is None:
        match = _PMID_TEXT.search(text)
        if match:
            pmid = valid_pmid(match.group(1))
            _checked("PMID", match.group(1), pmid, where, warnings)
            entry = replace(entry, pmid=pmid)
    return entry


def parse_references(lines: list[Line], warnings: list[str] | None = None) -> list[ReferenceEntry]:
    """Reference entries in page order; identifiers dropped as invalid are noted in
    ``warnings``."""
    if warnings is None:
        warnings = []
    entries: list[ReferenceEntry] = []
    pending_number: int | None = None
    pending_source: str | None = None
    pending = False
    for line in lines:
        text = line.text
        year_match = _YEAR_END.search(text)
        number, country, domain, rest = _prefix(text)
        expected = pending_number or len(entries) + 1
        is_prefix = (number is not None or country or domain is not None) and not rest
        if is_prefix and not year_match:
            if number is not None:
                pending_number = number
            if domain is not None:
                pending_source = domain
            pending = True
            continue
        if year_match or pending:
            title = text
            one_line = (number is not None and number == expected) or (number is None and rest)
            # "10. United States pubmed… Title [2018]" on one line.
            if one_line and (number is not None or country or domain is not None):
                title = rest
                pending_number = number if number is not None else pending_number
                pending_source = domain or pending_source
            year: int | None = None
            match = _YEAR_END.search(title)
            if match:
                year = int(match.group(1))
                title = title[: match.start()]
            entry = ReferenceEntry(
                number=pending_number or len(entries) + 1,
                title=clean_title(title) or None,
                year=year,
                source=pending_source,
            )
            entries.append(_with_link_ids(entry, line.href, text, warnings))
            pending_number, pending_source, pending = None, None, False
            continue
        if entries:
            break  # past the list: site footer or another block
    return entries


_NAME = r"[^\W\d_][\w'’\-]*(?:\s[^\W\d_][\w'’\-]*)*"
_ONE_AUTHOR = rf"{_NAME},\s?[A-Z]{{1,4}}\.?"
_AUTHORS = rf"{_ONE_AUTHOR}(?:(?:,|;|\sand|\s&)\s?{_ONE_AUTHOR})*(?:,?\s?et al\.?)?"
_AUTHORS_LINE = re.compile(rf"^(?P<authors>{_AUTHORS})\s*$")
_CITATION_LINE = re.compile(
    rf"^(?P<title>.+?[.?!])\s*(?P<authors>{_AUTHORS})\s*"
    r"[\[(](?P<year>(?:18|19|20|21)\d\d)[\])]\.?$"
)
_TITLE_AUTHORS = re.compile(rf"^(?P<title>.+?[.?!])\s*(?P<authors>{_AUTHORS})$")
_YEAR_ONLY = re.compile(r"^[\[(]((?:18|19|20|21)\d\d)[\])]\.?$")


def _authors(text: str) -> str:
    return text.strip().rstrip(".").strip()


def parse_findings(lines: list[Line]) -> list[FindingEntry]:
    """Findings (text, cited title, authors, year) in page order."""
    findings: list[FindingEntry] = []
    claims: list[str] = []
    for line in lines:
        text = line.text
        match = _CITATION_LINE.match(text)
        if match:
            findings.append(
                FindingEntry(
                    text=" ".join(claims),
                    title=clean_title(match.group("title")),
                    authors=_authors(match.group("authors")),
                    year=int(match.group("year")),
                )
            )
            claims = []
            continue
        year_only = _YEAR_ONLY.match(text)
        if year_only:
            title: str | None = None
            authors: str | None = None
            if claims and (both := _TITLE_AUTHORS.match(claims[-1])):
                claims.pop()
                title, authors = both.group("title"), both.group("authors")
            elif claims and _AUTHORS_LINE.match(claims[-1]):
                authors = claims.pop()
                title = claims.pop() if claims else None
            elif claims:
                title = claims.pop()
            findings.append(
                FindingEntry(
                    text=" ".join(claims),
                    title=clean_title(title) if title else None,
                    authors=_authors(authors) if authors else None,
                    year=int(year_only.group(1)),
                )
            )
            claims = []
            continue
        claims.append(text)
    if claims:
        findings.append(FindingEntry(" ".join(claims), None, None, None))
    return [f for f in findings if f.text or f.title]
