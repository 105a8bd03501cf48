"""Bad ClinicalTrials.gov input gives a ParseError naming the input and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.ctgov import parse_studies_page, parse_study_json, parse_study_xml
from parsers.errors import ParseError


def _minimal(nct: str = "NCT01234567") -> dict[str, object]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": "A small study"},
            "statusModule": {"overallStatus": "RECRUITING"},
        },
        "hasResults": False,
    }


def test_minimal_study_parses_with_unknowns_left_empty() -> None:
    record = parse_study_json(json.dumps(_minimal()).encode(), "mini.json")
    assert record.id == "ctgov:NCT01234567"
    assert record.phases == [] and record.sites == [] and record.site_count == 0
    assert record.sponsor is None and record.eligibility.min_age_years is None
    assert record.enrollment.count is None and record.dates.start is None


def test_truncated_json(corpus: Path) -> None:
    raw = (corpus / "ctgov_v2" / "NCT00000410.json").read_bytes()
    with pytest.raises(ParseError) as info:
        parse_study_json(raw[: len(raw) // 2], "cut.json")
    assert info.value.origin == "cut.json"
    assert "not valid JSON" in info.value.reason


def test_missing_protocol_section() -> None:
    with pytest.raises(ParseError, match="no protocolSection"):
        parse_study_json(b'{"hasResults": false}', "empty.json")


def test_not_an_object() -> None:
    with pytest.raises(ParseError, match="must be a JSON object, got list"):
        parse_study_json(b"[1, 2]", "list.json")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"contactsLocationsModule": {"locations": "Boston"}},
            "protocolSection.contactsLocationsModule.locations: expected a list, got str",
        ),
        (
            {"contactsLocationsModule": {"locations": [{"city": "Boston"}, "Paris"]}},
            "locations[1]: expected an object, got str",
        ),
        (
            {"designModule": {"phases": "PHASE1"}},
            "protocolSection.designModule.phases: expected a list, got str",
        ),
        (
            {"designModule": {"enrollmentInfo": {"count": "many"}}},
            "enrollmentInfo.count: expected a number, got 'many'",
        ),
        ({"statusModule": ["RECRUITING"]}, "protocolSection.statusModule: expected an object"),
        (
            {"identificationModule": {"nctId": 1234, "briefTitle": "x"}},
            "identificationModule.nctId: expected an NCT id like NCT01234567, got 1234",
        ),
        (
            {"identificationModule": {"nctId": "NCT01234567"}},
            "briefTitle: missing",
        ),
    ],
)
def test_wrong_types_name_the_path(patch: dict[str, object], message: str) -> None:
    study = _minimal()
    proto = study["protocolSection"]
    assert isinstance(proto, dict)
    proto.update(patch)
    with pytest.raises(ParseError) as info:
        parse_study_json(study, "patched")
    assert message in info.value.reason
    assert str(info.value).startswith("patched")


def test_contract_violation_is_a_parse_error() -> None:
    study = _minimal()
    proto = study["protocolSection"]
    assert isinstance(proto, dict)
    proto["designModule"] = {"enrollmentInfo": {"count": -5}}
    with pytest.raises(ParseError, match=r"enrollment\.count"):
        parse_study_json(study, "negative")


def test_undecodable_values_are_warnings_not_errors() -> None:
    study = _minimal()
    proto = study["protocolSection"]
    assert isinstance(proto, dict)
    proto["eligibilityModule"] = {"minimumAge": "about eighteen", "maximumAge": "65 Years"}
    proto["statusModule"] = {"overallStatus": "PAUSED", "startDateStruct": {"date": "soon"}}
    proto["designModule"] = {"phases": ["PHASE9", "PHASE2"]}
    record = parse_study_json(study, "odd")
    assert record.eligibility.min_age_years is None
    assert record.eligibility.max_age_years == 65
    assert record.status is None and record.dates.start is None
    assert [p.value for p in record.phases] == ["PHASE2"]
    warnings = "\n".join(record.source.warnings)
    for fragment in ("about eighteen", "PAUSED", "soon", "PHASE9"):
        assert fragment in warnings


def test_a_page_goes_on_past_bad_studies(corpus: Path) -> None:
    good = [
        json.loads((corpus / "ctgov_v2" / f"{n}.json").read_bytes())
        for n in ("NCT00000410", "NCT00033839")
    ]
    page = {
        "studies": [good[0], {"hasResults": True}, "junk", good[1]],
        "nextPageToken": "abc",
    }
    records, errors, token = parse_studies_page(json.dumps(page).encode(), "page-1")
    assert [r.id for r in records] == ["ctgov:NCT00000410", "ctgov:NCT00033839"]
    assert [e.origin for e in errors] == ["page-1#studies[1]", "page-1#studies[2]"]
    assert "no protocolSection" in errors[0].reason
    assert "got str" in errors[1].reason
    assert token == "abc"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"studies": [', "not valid JSON"),
        (b'{"items": []}', 'expected an object with a "studies" list'),
        (b'{"studies": [], "nextPageToken": 5}', "nextPageToken: expected a string"),
    ],
)
def test_bad_pages(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_studies_page(body, "page")


def test_last_page_has_no_token(corpus: Path) -> None:
    study = json.loads((corpus / "ctgov_v2" / "NCT00000410.json").read_bytes())
    records, errors, token = parse_studies_page(json.dumps({"studies": [study]}).encode(), "p")
    assert len(records) == 1 and errors == [] and token is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Invalid NCT id</body></html>", "root element is <html>"),
        (b"<clinical_study><id_info>", "not well-formed XML"),
        (b"<clinical_study><brief_title>x</brief_title></clinical_study>", "nct_id"),
        (
            b"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info></clinical_study>",
            "brief_title: missing",
        ),
    ],
)
def test_bad_xml(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_study_xml(body, "doc.xml")


def test_the_classic_error_page_is_not_a_study(corpus: Path) -> None:
    page = corpus / "html" / "clinicaltrials.gov" / "Invalid-nct-id.html"
    with pytest.raises(ParseError) as info:
        parse_study_xml(page.read_bytes(), str(page))
    assert info.value.origin == str(page)
    assert "not a ClinicalTrials.gov study" in info.value.reason or "XML" in info.value.reason


def test_the_rss_feed_is_not_a_study(corpus: Path) -> None:
    feed = corpus / "ctgov_xml" / "rss" / "covid_search_rss_2021-02-21.xml"
    with pytest.raises(ParseError, match="root element is <rss>"):
        parse_study_xml(feed.read_bytes(), str(feed))


def test_a_batch_goes_on_past_bad_files(corpus: Path, tmp_path: Path) -> None:
    good = sorted((corpus / "ctgov_xml").glob("NCT*.xml"))[:3]
    bad = tmp_path / "broken.xml"
    bad.write_bytes(good[0].read_bytes()[:500])
    parsed, failed = [], []
    for path in [good[0], bad, *good[1:]]:
        try:
            parsed.append(parse_study_xml(path.read_bytes(), str(path)).id)
        except ParseError as exc:
            failed.append(exc.origin)
    assert len(parsed) == 3 and failed == [str(bad)]
