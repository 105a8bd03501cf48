"""`UrlRules`: which URL is a trial or listing page, its record id, frontier key and conditions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parsers.errors import ParseError
from parsers.listing import DEFAULT_RULES, UrlRules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "listing"


def test_fixture_urls_are_trial_or_listing_pages() -> None:
    for case in sorted(FIXTURES.iterdir()):
        url = (case / "url.txt").read_text().strip()
        expected = "listing" if case.name.startswith("cards") else "trial"
        assert DEFAULT_RULES.kind(url) == expected, case.name


@pytest.mark.parametrize(
    "path",
    [
        "/trial/phase-2-x-1-2020-abcde",  # every former rule set
        "/trial/abc/",
        "/en/trial/abc",  # the pipeline's pattern took any prefix
        "/trials/abc",  # the parser took the plural
    ],
)
def test_trial_paths(path: str) -> None:
    assert DEFAULT_RULES.kind(f"https://site.test{path}?ref=x#top") == "trial"


@pytest.mark.parametrize(
    "path",
    [
        "/clinical-trials/for-asthma",  # every former rule set
        "/clinical-trials/for-asthma/",
        "/clinical-trials/for-depression-within-nebraska",
        "/clinical-trials/asthma",  # the pipeline's pattern took any listing
        "/clinical-trials/for-asthma/page/2",
        "/clinical-trials/",  # the parser took the listing index
    ],
)
def test_listing_paths(path: str) -> None:
    assert DEFAULT_RULES.kind(f"https://site.test{path}?page=2") == "listing"


@pytest.mark.parametrize(
    "url",
    [
        "https://site.test/learning-center/how-do-clinical-trials-work",
        "https://site.test/trial/",
        "https://site.test/trial/abc/reviews",
        "https://site.test/sitemap.xml",
        "https://site.test/search?next=/trial/abc",
    ],
)
def test_other_urls(url: str) -> None:
    assert DEFAULT_RULES.kind(url) == "other"
    assert not DEFAULT_RULES.is_trial(url)
    assert not DEFAULT_RULES.is_listing(url)
    assert DEFAULT_RULES.frontier_key(url) is None


def test_site_specific_rules() -> None:
    rules = UrlRules(trial_url_pattern=r"^/study/\d+$", listing_url_pattern=r"^/studies$")
    assert rules.kind("http://s/study/12") == "trial"
    assert rules.kind("http://s/studies?page=3") == "listing"
    assert rules.kind("http://s/trial/abc") == "other"
    assert rules.frontier_key("http://s/studies?page=3&q=x") == "http://s/studies?page=3"
    with pytest.raises(re.error):
        UrlRules(trial_url_pattern="(")


def test_conditions_from_url() -> None:
    assert DEFAULT_RULES.conditions_from_url(
        "https://www.withpower.com/trial/phase-2-multiple-myeloma-8-2017-3c5d1"
    ) == ["Multiple Myeloma"]
    assert DEFAULT_RULES.conditions_from_url(
        "https://www.withpower.com/trial/early-phase-1-pain-in-the-back-1-2020-abcde"
    ) == ["Pain in the Back"]
    assert DEFAULT_RULES.conditions_from_url(
        "https://www.withpower.com/clinical-trials/for-depression-within-nebraska?page=2"
    ) == ["Depression"]
    assert DEFAULT_RULES.conditions_from_url("https://www.withpower.com/trial/draft-x") == []
    assert DEFAULT_RULES.conditions_from_url("file:///tmp/page.html") == []


def test_record_ids_ignore_query_and_fragment() -> None:
    assert DEFAULT_RULES.record_id("https://WWW.Site.test/en/trials/abc/?x=1#y") == (
        "listing:site.test:abc"
    )
    assert DEFAULT_RULES.record_id("https://site.test/") == "listing:site.test:index"
    with pytest.raises(ParseError, match="malformed URL"):
        DEFAULT_RULES.record_id("https://site.test:port/trial/x")
    with pytest.raises(ParseError, match="malformed URL"):
        DEFAULT_RULES.kind("https://[::1/trial/x")
