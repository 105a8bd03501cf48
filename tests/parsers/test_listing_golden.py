"""Golden pages: each tests/fixtures/listing/<case>/ holds page.html, url.txt and expected.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers.listing import PARSER_VERSION, listing_page_links, parse_listing, parse_listing_cards

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "listing"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").exists())
SEED_STYLES = ["seed_react", "seed_semantic", "seed_text_paragraphs"]


def _load(case: str) -> tuple[bytes, str, Any]:
    folder = FIXTURES / case
    return (
        (folder / "page.html").read_bytes(),
        (folder / "url.txt").read_text(encoding="utf-8").strip(),
        json.loads((folder / "expected.json").read_text(encoding="utf-8")),
    )


def _without_fetched_at(record: dict[str, Any]) -> dict[str, Any]:
    record = json.loads(json.dumps(record))
    record["source"].pop("fetched_at", None)
    return record


def test_cases_cover_the_required_layouts() -> None:
    assert set(SEED_STYLES) <= set(CASES)
    assert {"older_layout", "older_layout_text", "cards_react", "cards_semantic"} <= set(CASES)
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    body, url, expected = _load(case)
    if isinstance(expected, list):
        got: Any = [_without_fetched_at(r.to_dict()) for r in parse_listing_cards(body, url)]
        expected = [_without_fetched_at(r) for r in expected]
    else:
        got = _without_fetched_at(parse_listing(body, url).to_dict())
        expected = _without_fetched_at(expected)
    assert got == expected


def test_expected_files_use_the_current_parser_version() -> None:
    for case in CASES:
        expected = _load(case)[2]
        for record in expected if isinstance(expected, list) else [expected]:
            assert record["source"]["parser_version"] == PARSER_VERSION, case


def test_the_three_dom_styles_give_the_same_record() -> None:
    records = []
    for case in SEED_STYLES:
        body, url, _ = _load(case)
        record = parse_listing(body, url).to_dict()
        record["source"].pop("content_sha256")
        records.append(record)
    assert records[0] == records[1] == records[2]


def test_seed_record_matches_the_contract_description() -> None:
    body, url, _ = _load("seed_text_paragraphs")
    r = parse_listing(body, url)
    assert r.title == "Lenalidomide Maintenance for Multiple Myeloma"
    assert (r.enrollment.count, r.site_count, r.status) == (108, 6, "RECRUITING")
    assert r.phases == ["PHASE2"]
    assert r.sponsor is not None and r.sponsor.name == "Memorial Sloan Kettering Cancer Center"
    e = r.eligibility
    assert (e.min_age_years, e.max_age_years, e.sex) == (18, None, "ALL")
    assert (len(e.inclusion), e.inclusion_total, len(e.exclusion), e.exclusion_total) == (
        3,
        8,
        3,
        19,
    )
    assert e.required_medications == ["Anticoagulants"]
    f = r.flags
    assert (f.placebo, f.prior_safety_data, f.approved_jurisdictions) == (False, True, 2)
    assert [(i.name, i.degrees, i.role) for i in r.investigators] == [
        ("Alexander Lesokhin", ["MD"], "Principal Investigator")
    ]
    assert [(t.min_days, t.max_days) for t in r.timeline] == [(14, 28), (1826, 1826), (28, 28)]
    assert [a.type for a in r.arms] == ["EXPERIMENTAL"]
    assert [q.citations for q in r.qa] == [
        [],
        [],
        [1, 2, 3, 4, 5],
        [1, 6, 7, 8, 9],
        [1, 2, 4, 10, 11],
    ]
    assert len(r.findings) == 3
    assert len(r.references) == 11 and all(ref.year for ref in r.references)
    assert [ref.source for ref in r.references][-2:] == ["pubmed.ncbi.nlm.nih.gov"] * 2
    assert r.sponsor_stats is not None
    assert (r.sponsor_stats.trials, r.sponsor_stats.recruited) == (1998, 602000)
    assert r.source.warnings == []


def test_card_ids_match_trial_page_ids() -> None:
    body, url, _ = _load("cards_react")
    cards = parse_listing_cards(body, url)
    body2, url2, _ = _load("edge_older_checklist_only")
    page = parse_listing(body2, url2)
    assert page.id in {card.id for card in cards}


@pytest.mark.parametrize("case", [c for c in CASES if (FIXTURES / c / "links.json").exists()])
def test_listing_page_links(case: str) -> None:
    body, url, _ = _load(case)
    expected = json.loads((FIXTURES / case / "links.json").read_text(encoding="utf-8"))
    links = listing_page_links(body, url)
    assert links.trial_urls == expected["trial_urls"]
    assert links.page_urls == expected["page_urls"]
    assert links.next_url == expected["next_url"]


def test_fetched_at_is_recorded() -> None:
    from datetime import UTC, datetime

    body, url, _ = _load("seed_react")
    when = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert parse_listing(body, url, fetched_at=when).source.fetched_at == when
