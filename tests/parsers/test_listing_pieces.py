"""Single features of listing pages, on small hand-written pages."""

from __future__ import annotations

from html import escape

import pytest

from parsers.errors import ParseError
from parsers.listing import parse_listing, record_id

URL = "https://www.withpower.com/trial/phase-2-acne-vulgaris-1-2024-abcde"


def page(*lines: str, tag: str = "p", head: str = "") -> bytes:
    inner = "".join(f"<{tag}>{escape(line)}</{tag}>" for line in lines)
    return f"<!DOCTYPE html><html><head>{head}</head><body>{inner}</body></html>".encode()


BASIC = ("40 Participants Needed", "Cream for Acne", "Recruiting at 2 trial locations")


def test_record_id() -> None:
    assert record_id(URL) == "listing:withpower.com:phase-2-acne-vulgaris-1-2024-abcde"
    assert record_id("https://withpower.com/trial/x?utm=1#top") == "listing:withpower.com:x"
    assert record_id("file:///tmp/pages/one.html") == "listing:local:one"


def test_conditions_from_the_slug_and_registry_ids() -> None:
    r = parse_listing(
        page(*BASIC, "Trial Summary", "What is it?", "Registered as NCT01234567."), URL
    )
    assert r.conditions == ["Acne Vulgaris"]
    assert r.registry_ids == ["NCT01234567"]


def test_labels_with_values_on_the_next_line() -> None:
    body = page(*BASIC, "Age:", "18 - 40", "Sex:", "Male", "Trial Phase:", "Phase 1/2", "Timeline")
    r = parse_listing(body, URL)
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == (18, 40)
    assert r.eligibility.sex == "MALE"
    assert r.phases == ["PHASE1", "PHASE2"]


def test_unreadable_labels_become_warnings() -> None:
    r = parse_listing(page(*BASIC, "Age: whenever", "Sex: Robots", "Trial Phase: Phase 9"), URL)
    assert r.eligibility.min_age_years is None
    assert r.eligibility.sex is None
    assert r.phases == []
    assert len(r.source.warnings) == 3


def test_led_by_and_research_team_name_the_same_person_once() -> None:
    body = page(
        "Acne Cream (ACE Trial)",
        "Phase 3",
        "Recruiting",
        "Led By Ann Lee, MD",
        "Research Team",
        "AL",
        "Ann Lee, MD",
        "Principal Investigator",
        "Skin Institute",
    )
    r = parse_listing(body, URL)
    assert [(i.name, i.role, i.affiliation) for i in r.investigators] == [
        ("Ann Lee", "Principal Investigator", "Skin Institute")
    ]
    assert r.title == "Acne Cream (ACE Trial)"


def test_arms_interventions_and_types() -> None:
    body = page(
        *BASIC,
        "Treatment Details",
        "Interventions",
        "• Adapalene (Drug)",
        "• Light Mask (Device)",
        "Trial Overview",
        "Two treatments are compared.",
        "Participant Groups",
        "2Treatment groups",
        "Group I: AdapaleneExperimental Treatment1 Intervention",
        "Adapalene every night.",
        "Group II: Light MaskActive Control1 Intervention",
        "Light mask for ten minutes.",
    )
    r = parse_listing(body, URL)
    assert [(i.name, i.type) for i in r.interventions] == [
        ("Adapalene", "DRUG"),
        ("Light Mask", "DEVICE"),
    ]
    assert [(a.label, a.type, a.interventions) for a in r.arms] == [
        ("Group I: Adapalene", "EXPERIMENTAL", ["Adapalene"]),
        ("Group II: Light Mask", "ACTIVE_COMPARATOR", ["Light Mask"]),
    ]
    assert r.summary == "Two treatments are compared."


def test_one_line_reference_prefix_and_split_findings() -> None:
    body = page(
        *BASIC,
        "Findings from Research",
        "Cream helped.",
        "Acne creams compared.",
        "Lee, A.",
        "[2019]",
        "References",
        "Acne creams compared. [2019]",
        "2. United States pubmed.ncbi.nlm.nih.gov Light masks for acne. (2020)",
    )
    r = parse_listing(body, URL)
    assert [(f.text, f.title, f.authors, f.year) for f in r.findings] == [
        ("Cream helped.", "Acne creams compared", "Lee, A", 2019)
    ]
    assert [(x.number, x.title, x.year, x.source) for x in r.references] == [
        (1, "Acne creams compared", 2019, None),
        (2, "Light masks for acne", 2020, "pubmed.ncbi.nlm.nih.gov"),
    ]


def test_headings_in_any_case_with_colons() -> None:
    body = page(*BASIC, "ELIGIBILITY CRITERIA:", "Inclusion criteria:", "I am 18.", "See 2 more")
    r = parse_listing(body, URL)
    assert r.eligibility.inclusion == ["I am 18."]
    assert r.eligibility.inclusion_total == 3


def test_byte_order_mark_and_xml_declaration() -> None:
    body = b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>" + page(*BASIC, "Timeline")
    assert parse_listing(body, URL).title == "Cream for Acne"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty page"),
        (b"   \n", "empty page"),
        (b"<html><body><p>caf\xe9</p></body></html>", "not a trial page"),
        (page(*BASIC, "Timeline")[:-20], "truncated"),
        (page("How do clinical trials work?", "Trials test treatments."), "not a trial page"),
        (page("40 Participants Needed"), "not a trial page"),
        (b"<html><body><h1>Acne</h1><p>Eligibility Criteria</p></body></html>", "not a trial"),
    ],
)
def test_not_trial_pages(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as caught:
        parse_listing(body, URL)
    assert caught.value.origin == URL


def test_bad_url_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="malformed URL"):
        parse_listing(page(*BASIC, "Timeline"), "https://[::1/trial/x")


def test_glued_research_team_and_split_pieces() -> None:
    body = page(
        "108",
        "Participants Needed",
        "Cream for Acne",
        "Recruiting at 2 trial locations",
        "Research Team",
        "ALAnn Lee, MD",
        "Principal InvestigatorSkin Institute",
        "Bo Ng, PhD",
        "Study Chair",
        "Derm Lab",
        "Who Is Running the Clinical Trial?",
        "Skin Institute",
        "Lead Sponsor",
        "Trials12Recruited3,400+",
    )
    r = parse_listing(body, URL)
    assert r.enrollment.count == 108
    assert [(i.name, i.degrees, i.role, i.affiliation) for i in r.investigators] == [
        ("Ann Lee", ["MD"], "Principal Investigator", "Skin Institute"),
        ("Bo Ng", ["PhD"], "Study Chair", "Derm Lab"),
    ]
    assert r.sponsor_stats is not None
    assert (r.sponsor_stats.trials, r.sponsor_stats.recruited) == (12, 3400)
