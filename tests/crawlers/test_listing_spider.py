"""The listing spider navigates (URL normalisation, links, redirects, sitemaps); the frontier."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse
from w3lib.url import canonicalize_url

from crawlers.frontier import KEEP_RUNS, Frontier
from crawlers.listing_spider import ListingSpider, hrefs, normalise, page_kind
from crawlers.pipelines import RawPage


def test_normalise_gives_one_key_per_page() -> None:
    base = "http://site.test"
    assert normalise(f"{base}/trial/abc#eligibility") == f"{base}/trial/abc"
    assert normalise(f"{base}/trial/abc?ref=listing") == f"{base}/trial/abc"
    assert normalise(f"{base}/clinical-trials/for-asthma?page=1") == (
        f"{base}/clinical-trials/for-asthma"
    )
    assert normalise(f"{base}/clinical-trials/for-asthma?sort=new&page=3") == (
        f"{base}/clinical-trials/for-asthma?page=3"
    )
    assert normalise(f"{base}/learning-center/how-do-clinical-trials-work") is None
    assert normalise(f"{base}/private/admin") is None
    assert normalise("mailto:someone@site.test") is None


def test_frontier_keys_are_canonical_urls() -> None:
    # The keys are built without w3lib; Scrapy's canonical form of a key is the key.
    base = "http://site.test"
    cases = {
        "HTTP://SITE.Test/trial/ABC/": f"{base}/trial/ABC/",
        "http://site.test:8080/trial/x%2fy": "http://site.test:8080/trial/x%2Fy",
        "http://site.test/trial/caf\u00e9": f"{base}/trial/caf%C3%A9",
        "http://site.test/trial/a%e9b?x=1": f"{base}/trial/a%E9b",
        "http://site.test/trial/%41b%7e c": f"{base}/trial/Ab~%20c",
        "http://site.test/trial/a|b%25c%3f": f"{base}/trial/a|b%25c%3F",
        "http://site.test/trial/a;b|c%7c": f"{base}/trial/a;b%7Cc%7c",
        "http://site.test/x/../trial/abc": f"{base}/trial/abc",
        "http://b\u00fccher.de/trial/abc": "http://xn--bcher-kva.de/trial/abc",
        "http://[::0:1]/clinical-trials/for-x?page=2&page=4": "http://[::1]/clinical-trials/for-x?page=4",
        "http://user:pw@site.test/trial/abc?": "http://user:pw@site.test/trial/abc",
    }
    for url, key in cases.items():
        assert normalise(url) == key == canonicalize_url(key)
    assert normalise("http://[::1/trial/abc") is None
    assert normalise("ftp://site.test/trial/abc") is None


def test_the_spider_takes_its_url_rules_as_arguments() -> None:
    spider = ListingSpider(
        start_urls=["http://site.test/studies"],
        trial_url_pattern=r"^/study/\d+$",
        listing_url_pattern=r"^/studies$",
    )
    page = _html(
        "http://site.test/studies",
        '<a href="/study/12?x=1">A</a><a href="/trial/abc">B</a><a href="/studies?page=2">2</a>',
    )
    out = list(spider.parse(page))
    assert [o.url for o in out[:-1]] == [
        "http://site.test/study/12",
        "http://site.test/studies?page=2",
    ]


def test_hrefs_reads_every_anchor_form() -> None:
    markup = (
        "<a href=\"/a?x=1&amp;page=2\">x</a><A class=b HREF='/b'>y</A><a href=/c>z</a>"
        '<link href="/not-an-anchor"><a name="no-href" data-href="/e">q</a><a\n  href=" /d ">d</a>'
    )
    assert hrefs(markup) == ["/a?x=1&page=2", "/b", "/c", "/d"]


def test_page_kind() -> None:
    assert page_kind("http://s/trial/phase-2-x-1-2020-abcde") == "trial"
    assert page_kind("http://s/clinical-trials/for-asthma?page=2") == "listing"
    assert page_kind("http://s/sitemap.xml") == "other"


def _html(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), request=Request(url))


def test_parse_yields_in_domain_links_once_then_the_page() -> None:
    spider = ListingSpider(start_urls=["http://site.test/clinical-trials/for-asthma"])
    page = _html(
        "http://site.test/clinical-trials/for-asthma",
        '<a href="/trial/a">A</a><a href="/trial/a#more">A again</a>'
        '<a href="?page=2">2</a><a href="http://other.test/trial/b">elsewhere</a>'
        '<a href="/learning-center/x">learn</a>',
    )
    out = list(spider.parse(page))
    assert [o.url for o in out[:-1]] == [
        "http://site.test/trial/a",
        "http://site.test/clinical-trials/for-asthma?page=2",
    ]
    assert isinstance(out[-1], RawPage) and out[-1].status == 200
    assert out[-1].body == page.body


def test_redirects_are_kept_and_followed_through_the_frontier() -> None:
    spider = ListingSpider(start_urls=["http://site.test/clinical-trials/for-asthma"])
    url = "http://site.test/trial/a/"
    moved = Response(
        url, status=301, headers={"Location": "http://site.test/trial/a"}, request=Request(url)
    )
    follow, page = list(spider.parse(moved))
    assert isinstance(follow, Request) and follow.url == "http://site.test/trial/a"
    assert follow.meta["dont_redirect"] is True
    assert isinstance(page, RawPage) and page.status == 301 and page.url == url


def test_sitemap_entries_become_page_requests() -> None:
    spider = ListingSpider(sitemap_urls=["http://site.test/sitemap.xml"])
    body = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>http://site.test/trial/a</loc></url>"
        "<url><loc>http://site.test/clinical-trials/for-asthma</loc></url>"
        "<url><loc>http://site.test/about</loc></url></urlset>"
    )
    url = "http://site.test/sitemap.xml"
    out = list(spider.parse_sitemap(XmlResponse(url, body=body.encode(), request=Request(url))))
    assert [o.url for o in out if isinstance(o, Request)] == [
        "http://site.test/trial/a",
        "http://site.test/clinical-trials/for-asthma",
    ]
    assert isinstance(out[-1], RawPage) and out[-1].kind == "sitemap"


def test_frontier_resumes_unfinished_runs_only(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path)
    run = frontier.open_run("listing", ["http://s/a"], after_response_id=0)
    assert not run.resumed
    assert frontier.add(run.id, "http://s/a", "page") is None
    assert frontier.add(run.id, "http://s/b", "page") is None
    assert frontier.add(run.id, "http://s/a", "page") == "pending"
    frontier.settle(run.id, "http://s/a", "stored", response_id=7)
    frontier.settle(run.id, "http://s/c", "failed", reason="HTTP 404")

    again = Frontier(tmp_path).open_run("listing", ["http://s/a"], after_response_id=9)
    assert again.resumed and again.id == run.id and again.after_response_id == 0
    assert frontier.pending(run.id) == [("http://s/b", "page")]
    summary = frontier.summary(run.id)
    assert (summary.fetched, summary.pending, summary.finished) == (1, 1, False)
    assert summary.failed == [("http://s/c", "HTTP 404")]
    assert (summary.first_response_id, summary.last_response_id) == (7, 7)

    frontier.finish_run(run.id)
    fresh = frontier.open_run("listing", ["http://s/a"], after_response_id=9)
    assert not fresh.resumed and fresh.id != run.id
    other = frontier.open_run("listing", ["http://s/other"], after_response_id=9)
    assert other.id != fresh.id


def test_old_finished_runs_are_pruned(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path)
    runs = []
    for _ in range(KEEP_RUNS + 2):
        run = frontier.open_run("listing", ["http://s/a"], after_response_id=0)
        frontier.settle(run.id, "http://s/a", "stored", response_id=1)
        frontier.finish_run(run.id)
        runs.append(run.id)
    frontier.open_run("listing", ["http://s/a"], after_response_id=0)
    kept = [r for r in runs if frontier.counts(r)]
    assert kept == runs[-KEEP_RUNS:]


def test_link_extraction_stays_linear_on_a_hostile_page_at_the_body_cap() -> None:
    """Per byte, a page of 5 MiB of unterminated ``<a `` (the download cap) costs about what
    an ordinary page does; a backtracking pattern took 18 s on 60 KB of it. The bound is a
    ratio of costs per byte measured in the same run, with room for a noisy machine."""
    import time

    from crawlers import settings

    ordinary = (
        "<html><body>"
        + "".join(f'<p>Trial {i}</p><a href="/trial/t-{i}">more</a>' for i in range(200))
        + "</body></html>"
    ).encode()
    hostile = b"<a " * (settings.DOWNLOAD_MAXSIZE // 3)

    def per_byte(body: bytes, rounds: int) -> float:
        best = float("inf")
        for _ in range(rounds):
            began = time.perf_counter()
            hrefs(body, "utf-8")
            best = min(best, time.perf_counter() - began)
        return best / len(body)

    assert len(hrefs(ordinary, "utf-8")) == 200
    ratio = per_byte(hostile, 3) / per_byte(ordinary, 20)
    assert ratio < 20, f"hostile page costs {ratio:.1f}x an ordinary page per byte"
