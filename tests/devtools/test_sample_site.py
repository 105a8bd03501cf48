"""The sample site: deterministic pages in three layouts, listings that reach every trial,
and the HTTP behaviour (conditional requests, failures) the crawler tests rely on."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest

from crawlers.listing_spider import normalise
from devtools.sample_site import (
    MALFORMED,
    RATE_LIMITED,
    REDIRECTED,
    TRANSIENT_503,
    SampleSite,
)
from parsers.listing import parse_listing, parse_listing_cards

NEW_LAYOUT_LABELS = (
    "Participants Needed",
    "Recruiting at ",
    "Age: ",
    "Sex: ",
    "Trial Phase: ",
    "Sponsor: ",
    "Trial Summary",
    "Research Team",
    "Eligibility Criteria",
    "Inclusion Criteria",
    "Exclusion Criteria",
    "Timeline",
    "Treatment Details",
    "Participant Groups",
    "Who Is Running the Clinical Trial?",
    "Findings from Research",
    "References",
)
OLD_LAYOUT_LABELS = (
    "Led By ",
    "Research Sponsored by ",
    "Eligibility Criteria Checklist",
    "Must have",
    "Must not have",
    "Awards &amp; highlights",
    "Trial Summary",
)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def site() -> Iterator[SampleSite]:
    with SampleSite(root_seed=5, n_trials=30, retry_after=2) as s:
        yield s


def test_content_is_a_function_of_the_seed() -> None:
    a, b, c = SampleSite(root_seed=1), SampleSite(root_seed=1), SampleSite(root_seed=2)
    path = a.trial(8).path
    assert a.page(path).body == b.page(path).body
    assert a.page("/clinical-trials/for-asthma").body == b.page("/clinical-trials/for-asthma").body
    assert a.trial(8).title != c.trial(8).title or a.trial(8).slug != c.trial(8).slug


def test_layouts_show_the_seed_page_headings_and_a_redesign_drops_them() -> None:
    site = SampleSite(root_seed=1, failures=False, n_trials=12)
    styles = {site.style_of(i): site.page(site.trial(i).path).body.decode() for i in range(3)}
    assert set(styles) == {"react", "plain", "legacy"}
    for style in ("react", "plain"):
        for label in NEW_LAYOUT_LABELS:
            assert label in styles[style], (style, label)
    assert re.search(r'class="css-[0-9a-f]{7}"', styles["react"])
    assert "<sup>" in styles["react"] and "<sup>" not in styles["plain"]
    for label in OLD_LAYOUT_LABELS:
        assert label in styles["legacy"], label
    assert f"{site.trial(2).acronym} Trial Summary" in styles["legacy"]

    site.layout_version = 2
    redesigned = site.page(site.trial(0).path).body.decode()
    for gone in ("Eligibility Criteria", "Trial Summary", "Participants Needed", "References"):
        assert gone not in redesigned


@pytest.mark.parametrize("index", [0, 1, 3, 4])
def test_new_layout_pages_parse_to_their_truth(index: int) -> None:
    site = SampleSite(root_seed=9, n_trials=24, failures=False)
    site.base_url = "http://sample.test"
    truth = site.trial(index)
    record = parse_listing(site.page(truth.path).body, site.trial_url(index))
    assert record.title == truth.title
    assert record.enrollment.count == truth.enrollment
    assert record.site_count == truth.site_count
    assert record.sponsor is not None and record.sponsor.name == truth.sponsor
    assert record.eligibility.inclusion_total == truth.inclusion_total
    assert [r.year for r in record.references] == [r.year for r in truth.references]
    assert [tuple(q.citations) for q in record.qa] == [q.citations for q in truth.qa]


def test_listing_cards_parse_and_listings_link_every_trial(site: SampleSite) -> None:
    found: set[str] = set()
    for url in sorted(site.expected_listing_urls()):
        body = site.page(url.removeprefix(site.base_url)).body
        for href in re.findall(rb'href="([^"]+)"', body):
            key = normalise(urljoin(url, href.decode()))
            if key and "/trial/" in key:
                found.add(key)
    assert site.expected_trial_urls() <= found | {site.trial_url(REDIRECTED)}
    assert set(site.redirects()) <= found
    assert {u for u in site.disallowed_urls() if "/trial/" in u} <= found
    first = site.listing_url(site.conditions[0])
    cards = parse_listing_cards(site.page(first.removeprefix(site.base_url)).body, first)
    assert {c.title for c in cards} == {site.trial(i).title for i in range(0, 30, 12)}
    dup = site.listing_url(site.trial(6).condition)
    cards = parse_listing_cards(site.page(dup.removeprefix(site.base_url)).body, dup)
    assert site.trial(6).title in {c.title for c in cards}


def test_conditional_requests_answer_304(site: SampleSite) -> None:
    url = site.trial_url(0)
    status, headers, body = _get(url)
    assert status == 200 and body
    assert _get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert _get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert _get(url, {"If-None-Match": '"other"'})[0] == 200
    site.revise(0)
    assert _get(url, {"If-None-Match": headers["ETag"]})[0] == 200
    assert _get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 200
    logged = site.requests_for(url.removeprefix(site.base_url))
    assert [r.status for r in logged] == [200, 304, 304, 200, 200, 200]
    assert logged[1].if_none_match == headers["ETag"]


def test_failure_modes(site: SampleSite) -> None:
    limited = site.trial_url(RATE_LIMITED)
    status, headers, _ = _get(limited)
    assert status == 429 and headers["Retry-After"] == "2"
    assert _get(limited)[0] == 200
    flaky = site.trial_url(TRANSIENT_503)
    assert [_get(flaky)[0], _get(flaky)[0]] == [503, 200]
    malformed = _get(site.trial_url(MALFORMED))[2]
    assert malformed.rstrip().endswith(b'title="cut')
    opener = urllib.request.build_opener(_NoRedirect)
    alias, canonical = next(iter(site.redirects().items()))
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(alias)
    assert moved.value.code == 301 and moved.value.headers["Location"] == canonical


def test_robots_and_sitemap(site: SampleSite) -> None:
    robots = _get(f"{site.base_url}/robots.txt")[2].decode()
    assert "Disallow: /private/" in robots and "Disallow: /trial/draft-" in robots
    assert f"Sitemap: {site.sitemap_url()}" in robots
    sitemap = _get(site.sitemap_url())[2].decode()
    locs = set(re.findall(r"<loc>([^<]+)</loc>", sitemap))
    assert locs == site.expected_trial_urls() | {site.listing_url(c) for c in site.conditions}


def test_size_knob_and_bad_arguments() -> None:
    big = SampleSite.for_page_count(5000, failures=False)
    assert 4900 <= len(big.expected_stored_urls()) <= 5100
    with pytest.raises(ValueError, match="n_trials"):
        SampleSite(n_trials=3)
    with pytest.raises(ValueError, match="unknown layout"):
        SampleSite(layout_mix=("fancy",))  # type: ignore[arg-type]


def test_sample_site_command_is_registered() -> None:
    from trialdex.cli import build_parser

    args = build_parser().parse_args(["sample-site", "--port", "0", "--trials", "20"])
    assert (args.port, args.trials, args.layout_version, args.no_failures) == (0, 20, 1, False)
    assert callable(args.func)
