"""PubMed ids and DOIs, checked by their syntax before they are kept or made into URLs.

A reference's ``url`` is built from its PubMed id, and ids come from whatever a
registry record or a page says: ``"pmid": "javascript:alert(1)"`` must not end
up in a link. So an identifier is kept only when it has its scheme's shape:

* a PMID is 1 to 9 ASCII digits (PubMed ids are below 10^9; ``\\d`` alone would
  also take Arabic-Indic and other Unicode digits);
* a DOI is ``10.<registrant>/<suffix>``: the registrant 4 to 9 ASCII digits,
  optionally subdivided by dots (``10.1000.5``), the suffix any non-empty text
  without whitespace or control or format characters (the DOI handbook allows
  nearly every printable character there, so nothing stricter is safe).

Anything else is not an identifier: callers drop it, and note it where they keep
warnings.
"""

from __future__ import annotations

import re
import unicodedata

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"

_PMID = re.compile(r"[0-9]{1,9}")
_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*/(.+)", re.DOTALL)


def valid_pmid(value: str | None) -> str | None:
    """``value`` (surrounding whitespace removed) when it is a PMID, else None."""
    if value is None:
        return None
    value = value.strip()
    return value if _PMID.fullmatch(value) else None


def _plain(char: str) -> bool:
    # Categories Z* (separators) and C* (control, format such as bidi overrides or
    # zero-width spaces, unassigned) would hide or disguise part of a link.
    return unicodedata.category(char)[0] not in "ZC"


def valid_doi(value: str | None) -> str | None:
    """``value`` (surrounding whitespace removed) when it is a DOI, else None."""
    if value is None:
        return None
    value = value.strip()
    match = _DOI.fullmatch(value)
    if match is None or not all(_plain(c) for c in match.group(1)):
        return None
    return value


def pubmed_url(pmid: str | None) -> str | None:
    """The PubMed page of a valid PMID; None for anything else."""
    pmid = valid_pmid(pmid)
    return PUBMED_URL.format(pmid=pmid) if pmid else None
