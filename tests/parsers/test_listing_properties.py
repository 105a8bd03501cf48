"""Whatever bytes arrive, the listing parsers return records or raise `ParseError`."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.errors import ParseError
from parsers.listing import listing_page_links, parse_listing, parse_listing_cards
from parsers.records import TrialRecord

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "listing"
PAGES = sorted(p.read_bytes() for p in FIXTURES.glob("*/page.html"))
URL = "https://www.withpower.com/trial/phase-2-multiple-myeloma-8-2017-3c5d1"
CARDS_URL = "https://www.withpower.com/clinical-trials/for-depression"

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Visible lines a trial page is made of, to build pages that are almost right.
VOCABULARY = [
    "108 Participants Needed",
    "Recruiting at 6 trial locations",
    "Age: 18+",
    "Age:",
    "18 - 75",
    "Sex: Any",
    "Sex:",
    "Trial Phase: Phase 1 & 2",
    "Trial Phase:",
    "Phase 9",
    "Sponsor: Acme",
    "Must be taking: A, B",
    "No Placebo GroupAll get it",
    "Prior Safety Data",
    "Approved in 2 Jurisdictions",
    "Approved in 99999999999999999999 Jurisdictions",
    "Trial Summary",
    "What is it?",
    "It is.12345",
    "It is.0",
    "Research Team",
    "AL",
    "Jane Doe, MD",
    "Principal Investigator",
    "Eligibility Criteria",
    "Inclusion Criteria",
    "Exclusion Criteria",
    "See 5 more",
    "See 99999999999999999999 more",
    "Timeline",
    "Screening",
    "2-4 weeks",
    "Follow Up up to 9999999999 years",
    "Treatment Details",
    "Interventions",
    "• Drug X",
    "Participant Groups",
    "Group I: XExperimental Treatment1 Intervention",
    "Experimental Treatment",
    "Who Is Running the Clinical Trial?",
    "Lead Sponsor",
    "Collaborator",
    "Trials",
    "1,998",
    "Recruited",
    "602,000+",
    "Findings from Research",
    "Claim.Title.Doe, J.[2018]",
    "[0000]",
    "[2018]",
    "References",
    "Title. [2018]",
    "10.United Statespubmed.ncbi.nlm.nih.gov",
    "999.",
    "Led By",
    "Research Sponsored by",
    "Awards & highlights",
    "Eligibility Criteria Checklist",
    "Must have",
    "Must not have",
    "Trial Details",
    "Trial Status:Recruiting",
    "Omaha, Nebraska",
    "",
    "?",
    ":",
    "Summary",
    "Age: 200+",
    "Age: 18 - 999",
    "NCT01234567",
]


def _outcome(call: object) -> None:
    """Run ``call``; only records or ParseError may come out."""
    try:
        result = call()  # type: ignore[operator]
    except ParseError:
        return
    records = result if isinstance(result, list) else [result]
    for record in records:
        if isinstance(record, TrialRecord):
            assert record.title
            assert record.id.startswith("listing:")


@FAST
@given(st.binary(max_size=3000))
def test_random_bytes(body: bytes) -> None:
    _outcome(lambda: parse_listing(body, URL))
    _outcome(lambda: parse_listing_cards(body, CARDS_URL))


@FAST
@given(st.sampled_from(PAGES), st.floats(0, 1))
def test_truncated_pages(page: bytes, fraction: float) -> None:
    body = page[: int(len(page) * fraction)]
    _outcome(lambda: parse_listing(body, URL))
    _outcome(lambda: parse_listing_cards(body, CARDS_URL))


@FAST
@given(
    st.sampled_from(PAGES),
    st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from(["cut", "dup", "junk"])),
        min_size=1,
        max_size=6,
    ),
    st.binary(max_size=20),
)
def test_mutated_pages(page: bytes, edits: list[tuple[float, float, str]], junk: bytes) -> None:
    body = page
    for start_f, length_f, kind in edits:
        start = int(len(body) * start_f)
        end = min(len(body), start + int(200 * length_f))
        if kind == "cut":
            body = body[:start] + body[end:]
        elif kind == "dup":
            body = body[:end] + body[start:end] + body[end:]
        else:
            body = body[:start] + junk + body[start:]
    _outcome(lambda: parse_listing(body, URL))
    _outcome(lambda: parse_listing_cards(body, CARDS_URL))
    _outcome(lambda: listing_page_links(body, CARDS_URL))


@FAST
@given(st.lists(st.sampled_from(VOCABULARY), max_size=40), st.sampled_from(["p", "div", "li"]))
def test_pages_made_of_real_labels(lines: list[str], tag: str) -> None:
    from html import escape

    inner = "".join(f"<{tag}>{escape(line)}</{tag}>" for line in lines)
    body = f"<html><body><h1>A Trial</h1>{inner}</body></html>".encode()
    _outcome(lambda: parse_listing(body, URL))
    _outcome(lambda: parse_listing_cards(body, CARDS_URL))
