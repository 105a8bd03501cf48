"""Pieces shared by the ClinicalTrials.gov JSON and XML parsers.

Small pure functions, each decoding one kind of registry value (ages, dates,
official names, citations, enum labels), plus `build_record`, which turns the
plain dict both parsers assemble into a validated `TrialRecord`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from parsers.errors import ParseError
from parsers.identifiers import pubmed_url, valid_doi, valid_pmid
from parsers.records import Phase, TrialRecord, TrialStatus, validate_record

PARSER_VERSION = "ctgov-1.0"
SOURCE_NAME = "ctgov"
STUDY_URL = "https://clinicaltrials.gov/study/{nct}"

NCT_ID = re.compile(r"^NCT\d{8}$")

# Years per unit; a month is 1/12 year and a week 7 of 365.25 days.
_AGE_UNITS = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$", re.IGNORECASE)


def age_years(value: str | None) -> float | None:
    """ "18 Years" -> 18.0, "6 Months" -> 0.5, "2 Weeks" -> 0.038; "N/A" or None -> None.

    Raises ValueError for text that is not an age, so the caller can warn.
    Years are rounded to 3 decimals.
    """
    if value is None:
        return None
    text = value.strip()
    if not text or text.upper() in {"N/A", "NA", "NONE"}:
        return None
    match = _AGE.match(text)
    if match is None or match.group(2).lower() not in _AGE_UNITS:
        raise ValueError(f"not an age: {value!r}")
    return round(float(match.group(1)) * _AGE_UNITS[match.group(2).lower()], 3)


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_TEXT_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")


def partial_date(value: str | None) -> str | None:
    """An ISO date at the precision given: "2023-05" stays, "March 2012" -> "2012-03",
    "January 9, 2015" -> "2015-01-09". Raises ValueError on anything else."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _ISO_DATE.match(text):
        return text
    match = _TEXT_DATE.match(text)
    if match is None or match.group(1).lower() not in _MONTHS:
        raise ValueError(f"not a date: {value!r}")
    month = _MONTHS[match.group(1).lower()]
    if match.group(2):
        return f"{match.group(3)}-{month:02d}-{int(match.group(2)):02d}"
    return f"{match.group(3)}-{month:02d}"


_PHASE_NUMBER = {"1": "PHASE1", "2": "PHASE2", "3": "PHASE3", "4": "PHASE4"}


def phases(values: list[str]) -> tuple[list[Phase], list[str]]:
    """Phase labels in either vocabulary ("PHASE1", "Phase 1/Phase 2", "Early Phase 1",
    "N/A", "NA") -> the enum list in order without duplicates, plus what was not understood."""
    found: list[Phase] = []
    unknown: list[str] = []
    for value in values:
        text = value.strip().upper()
        if not text:
            continue
        if text in Phase.__members__:
            names = [text]
        elif text in {"N/A", "NOT APPLICABLE"}:
            names = ["NA"]
        elif "EARLY" in text:
            names = ["EARLY_PHASE1"]
        else:
            names = [_PHASE_NUMBER[n] for n in re.findall(r"PHASE\s*([1-4])", text)]
            names += [_PHASE_NUMBER[n] for n in re.findall(r"[/&,]\s*([1-4])\b", text)]
        if not names:
            unknown.append(value)
        for name in names:
            phase = Phase[name]
            if phase not in found:
                found.append(phase)
    return found, unknown


def enum_name(label: str) -> str:
    """A display label as an API v2 enum name: "Active, not recruiting" -> ACTIVE_NOT_RECRUITING."""
    return re.sub(r"[^A-Z0-9]+", "_", label.strip().upper()).strip("_")


def status(value: str | None) -> TrialStatus | None:
    """Overall status in either vocabulary; raises ValueError when unknown."""
    if value is None or not value.strip():
        return None
    name = enum_name(value)
    if name == "UNKNOWN_STATUS":
        name = "UNKNOWN"
    return TrialStatus(name)


_ROLE_WORDS = {
    "PRINCIPAL_INVESTIGATOR": "Principal Investigator",
    "SUB_INVESTIGATOR": "Sub-Investigator",
    "STUDY_DIRECTOR": "Study Director",
    "STUDY_CHAIR": "Study Chair",
}


def role_label(value: str | None) -> str | None:
    """PRINCIPAL_INVESTIGATOR -> "Principal Investigator" (XML labels pass through)."""
    if value is None or not value.strip():
        return None
    name = value.strip()
    if name in _ROLE_WORDS:
        return _ROLE_WORDS[name]
    if name.isupper() and "_" in name:
        return name.replace("_", " ").title()
    return name


def investigator(full_name: str, role: str | None, affiliation: str | None) -> dict[str, Any]:
    """An overall official as the record holds it: name split from degrees, role as a label."""
    name, degrees = split_name(full_name)
    return {
        "name": name,
        "degrees": degrees,
        "role": role_label(role),
        "affiliation": affiliation,
    }


# Post-nominal degrees and titles seen after a comma in official names,
# compared upper-case without dots.
_DEGREES = frozenset(
    [
        "MD",
        "PHD",
        "MPH",
        "MBBS",
        "MBCHB",
        "MMED",
        "MSC",
        "MS",
        "MA",
        "BSC",
        "BS",
        "BA",
        "RN",
        "BSN",
        "MSN",
        "NP",
        "PA",
        "PAC",
        "DO",
        "DDS",
        "DMD",
        "PHARMD",
        "DRPH",
        "DSC",
        "SCD",
        "FACS",
        "FACP",
        "FACC",
        "FRCP",
        "FRCPC",
        "FRCS",
        "FRACP",
        "FRCR",
        "MRCP",
        "MBA",
        "DPT",
        "TDPT",
        "PT",
        "OT",
        "OTD",
        "DNP",
        "CRNA",
        "DVM",
        "JD",
        "PSYD",
        "EDD",
        "LCSW",
        "CCRP",
        "CCRC",
        "RD",
        "MD-PHD",
        "DR",
        "PROF",
        "PROFESSOR",
        "AP",
        "FAAN",
        "FAHA",
        "MHS",
        "MHSC",
        "MSCE",
        "MSPH",
        "MPHIL",
        "DPHIL",
        "MED",
        "CNM",
        "APRN",
        "FNP",
        "ANP",
        "RPH",
        "PSY",
        "DMSC",
        "MCH",
        "MRCPCH",
        "LPC",
        "MFT",
    ]
)
_DEGREES |= {"RER", "NAT", "PHIL", "DENT", "HABIL", "SC", "POL", "OEC", "FRCA", "FRCPATH", "FFPM"}
_DEGREES |= {"FRCOG", "MRCS", "FRANZCP", "FESC", "FCCP", "FRCPE", "FRCSED", "DPHIL"}


_DOCTORATE_FIELDS = frozenset({"med", "rer", "nat", "phil", "dent", "sc", "pol", "oec", "habil"})


def split_name(value: str) -> tuple[str, list[str]]:
    """ "Jane Doe, MD, PhD" -> ("Jane Doe", ["MD", "PhD"]); "M.D." is written "MD".

    Only a tail made entirely of known degrees is split off; anything else
    ("Clinical Trials, Sponsor GmbH") stays the name.
    """
    text = " ".join(value.split())
    name, sep, tail = text.partition(",")
    if not sep:
        return text, []
    tokens = [t for t in re.split(r"[,\s]+", tail) if t]
    degrees = [t.replace(".", "") for t in tokens]
    if not degrees or not all(d.upper() in _DEGREES for d in degrees if d):
        return text, []
    merged: list[str] = []
    for degree in (d for d in degrees if d):
        # German doctorates are two words: "Dr. med.", "Dr. rer. nat."
        if merged and merged[-1].startswith("Dr") and degree.lower() in _DOCTORATE_FIELDS:
            merged[-1] = f"{merged[-1]} {degree}"
        else:
            merged.append(degree)
    return name.strip(), merged


_CITATION_YEAR = re.compile(r"(?:\.|\?|!)\s+((?:18|19|20)\d{2})(?=\s+[A-Z][a-z]{2}|\s*[;:.(]|\s*$)")
_ANY_YEAR = re.compile(r"(?<![\d/-])((?:18|19|20)\d{2})(?![\d/-])")
_DOI = re.compile(r"\bdoi:?\s*(10\.\d{4,9}/\S+)", re.IGNORECASE)


def citation_year(citation: str) -> int | None:
    """Publication year of a Vancouver-style citation ("... J Med. 2019 Mar;12:3.")."""
    match = _CITATION_YEAR.search(citation) or _ANY_YEAR.search(citation)
    if match is None:
        return None
    year = int(match.group(1))
    return year if 1800 <= year <= 2200 else None


def citation_doi(citation: str) -> str | None:
    """The DOI a citation gives ("doi: 10.1000/x"), when it is a valid one (`valid_doi`)."""
    match = _DOI.search(citation)
    return valid_doi(match.group(1).rstrip(".,;)")) if match else None


def reference(
    number: int,
    citation: str | None,
    pmid: str | None,
    ref_type: str | None,
    *,
    warnings: list[str] | None = None,
    where: str = "reference",
) -> dict[str, Any]:
    """One `Reference` as plain data; a citation's title is the citation text as written.

    A PMID that is not one (`parsers.identifiers`) is dropped, with a warning naming
    ``where`` appended to ``warnings``: only a valid PMID becomes the PubMed URL.
    """
    text = " ".join(citation.split()) if citation else None
    given = pmid.strip() if pmid and pmid.strip() else None
    pmid = valid_pmid(given)
    if given is not None and pmid is None and warnings is not None:
        warnings.append(f"{where}: not a PMID: {given[:80]!r}")
    kind = enum_name(ref_type) if ref_type else None
    if kind == "RESULTS":
        kind = "RESULT"
    return {
        "number": number,
        "title": text,
        "year": citation_year(text) if text else None,
        "pmid": pmid,
        "doi": citation_doi(text) if text else None,
        "type": kind if kind in {"BACKGROUND", "RESULT", "DERIVED"} else None,
        "source": "pubmed.ncbi.nlm.nih.gov" if pmid else None,
        "url": pubmed_url(pmid),
    }


# Intervention types as API v2 writes them in arm links ("Drug: Aspirin").
INTERVENTION_PREFIX = re.compile(
    r"^(?:Drug|Biological|Device|Procedure|Procedure/Surgery|Radiation|Behavioral|Genetic|"
    r"Dietary Supplement|Combination Product|Diagnostic Test|Other):\s*",
    re.IGNORECASE,
)


def strip_intervention_prefix(name: str) -> str:
    return INTERVENTION_PREFIX.sub("", name.strip(), count=1)


def unique(values: list[str]) -> list[str]:
    """Values in first-seen order, blanks and case-insensitive repeats dropped."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        key = value.strip().upper()
        if key and key not in seen:
            seen.add(key)
            out.append(value.strip())
    return out


def build_record(data: dict[str, Any], origin: str) -> TrialRecord:
    """Validate the assembled dict; contract violations become a ParseError naming the field."""
    return validate_record(data, origin=origin)


def source_info(
    nct: str,
    sha256: str,
    *,
    fetched_at: datetime | str | None,
    url: str | None,
    warnings: list[str],
) -> dict[str, Any]:
    return {
        "name": SOURCE_NAME,
        "url": url or STUDY_URL.format(nct=nct),
        "fetched_at": fetched_at,
        "content_sha256": sha256,
        "parser_version": PARSER_VERSION,
        "warnings": warnings,
    }


def require_nct(value: Any, origin: str, where: str) -> str:
    if not isinstance(value, str) or not NCT_ID.match(value.strip().upper()):
        raise ParseError(origin, f"{where}: expected an NCT id like NCT01234567, got {value!r}")
    return value.strip().upper()
