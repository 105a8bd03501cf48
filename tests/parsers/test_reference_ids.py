"""PubMed ids and DOIs are kept, and made into URLs, only when they have their syntax."""

from __future__ import annotations

import json
from html import escape

import pytest

from parsers.ctgov import parse_study_json, parse_study_xml
from parsers.identifiers import pubmed_url, valid_doi, valid_pmid
from parsers.listing import parse_listing

HOSTILE = "javascript:alert(1)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345678", "12345678"),
        (" 1 ", "1"),
        ("123456789", "123456789"),
        ("1234567890", None),  # ten digits
        ("", None),
        ("12a", None),
        ("١٢٣", None),  # Arabic-Indic digits are digits to \d, not to PubMed
        (HOSTILE, None),
        ("123/../../x", None),
        (None, None),
    ],
)
def test_valid_pmid(value: str | None, expected: str | None) -> None:
    assert valid_pmid(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.1000/jm.2019.12", "10.1000/jm.2019.12"),
        ("10.1002/(SICI)1097-4636(199707)", "10.1002/(SICI)1097-4636(199707)"),
        ("10.1000.10/abc", "10.1000.10/abc"),
        ("10.100/abc", None),  # registrant too short
        ("11.1000/abc", None),
        ("10.1000/", None),
        ("10.1000/a b", None),
        ("10.1000/a\x00b", None),
        ("10.1000/a\u202eb", None),  # a bidi override would disguise the link
        ("10.1000/a\u200bb", None),
        (f"10.1000/x\n{HOSTILE}", None),
        (HOSTILE, None),
        (None, None),
    ],
)
def test_valid_doi(value: str | None, expected: str | None) -> None:
    assert valid_doi(value) == expected


def test_pubmed_url_only_for_a_pmid() -> None:
    assert pubmed_url("123") == "https://pubmed.ncbi.nlm.nih.gov/123/"
    assert pubmed_url(HOSTILE) is None


def _study(references: list[dict[str, str]]) -> dict[str, object]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A small study"},
            "statusModule": {"overallStatus": "RECRUITING"},
            "referencesModule": {"references": references},
        },
        "hasResults": False,
    }


def test_ctgov_study_reference_with_a_hostile_pmid() -> None:
    study = _study(
        [
            {"pmid": HOSTILE, "type": "BACKGROUND", "citation": "Bad. J. 2019. doi: 10.1/x"},
            {"pmid": "31234567", "type": "RESULT", "citation": "Good. doi: 10.1000/ok.1"},
        ]
    )
    record = parse_study_json(json.dumps(study).encode(), "hostile.json")
    bad, good = record.references
    assert (bad.pmid, bad.url, bad.source, bad.doi) == (None, None, None, None)
    assert (good.pmid, good.url) == ("31234567", "https://pubmed.ncbi.nlm.nih.gov/31234567/")
    assert good.doi == "10.1000/ok.1"
    assert not any(HOSTILE in (r.url or "") for r in record.references)
    assert any("references[0].pmid" in w and "javascript" in w for w in record.source.warnings)


def test_ctgov_legacy_xml_reference_with_a_hostile_pmid() -> None:
    body = (
        "<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>"
        "<brief_title>A small study</brief_title>"
        f"<reference><citation>Bad.</citation><PMID>{escape(HOSTILE)}</PMID></reference>"
        "</clinical_study>"
    ).encode()
    record = parse_study_xml(body, "hostile.xml")
    assert (record.references[0].pmid, record.references[0].url) == (None, None)
    assert any("reference/PMID" in w and "javascript" in w for w in record.source.warnings)


def _listing(*lines: tuple[str, str | None]) -> bytes:
    basic = ("40 Participants Needed", "Cream for Acne", "Recruiting at 2 trial locations")
    inner = "".join(f"<p>{escape(t)}</p>" for t in basic)
    for text, href in lines:
        link = f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)
        inner += f"<p>{link}</p>"
    return f"<!DOCTYPE html><html><body>{inner}</body></html>".encode()


def test_listing_reference_with_hostile_ids() -> None:
    body = _listing(
        ("Timeline", None),
        ("References", None),
        ("Masks for acne. [2018]", f"https://pubmed.ncbi.nlm.nih.gov/{HOSTILE}"),
        ("Creams for acne. PMID: ١٢٣٤٥ [2019]", None),
        ("Lasers for acne. [2020]", "https://pubmed.ncbi.nlm.nih.gov/12345678901234/"),
        ("Light for acne. [2021]", "https://doi.org/10.1000/a\u202egpj.exe"),
        ("Sleep for acne. [2022]", "https://pubmed.ncbi.nlm.nih.gov/31234567/"),
    )
    record = parse_listing(body, "https://www.withpower.com/trial/phase-2-acne-1-2024-abcde")
    refs = record.references
    assert [r.title for r in refs] == [
        "Masks for acne",
        "Creams for acne. PMID: ١٢٣٤٥",
        "Lasers for acne",
        "Light for acne",
        "Sleep for acne",
    ]
    assert [r.pmid for r in refs] == [None, None, None, None, "31234567"]
    assert [r.doi for r in refs] == [None] * 5
    # A listing reference's url is the page's own link (http(s) only), never built from an id.
    assert all(r.url is None or r.url.startswith("https://") for r in refs)
    warnings = "\n".join(record.source.warnings)
    for fragment in (
        "reference 2: not a PMID",
        "reference 3: not a PMID",
        "reference 4: not a DOI",
    ):
        assert fragment in warnings
