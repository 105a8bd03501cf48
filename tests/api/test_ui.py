"""The search page and the trial page, rendered on both backends (HTML checked with lxml)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import lxml.html
from fastapi.testclient import TestClient

from api.app import create_app
from api.ui import facet_value_label
from tests.api.records import RICH_ID


def page(client: TestClient, url: str, status: int = 200) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def facet_link(doc: lxml.html.HtmlElement, facet: str, value: str) -> str:
    links = doc.xpath(f'//a[@data-facet="{facet}"][@data-value="{value}"]')
    assert links, f"no facet link {facet}={value}"
    href: str = links[0].get("href")
    return href


def test_search_page_is_accessible_html(client: TestClient) -> None:
    doc = page(client, "/")
    assert doc.xpath('//a[@class="skip-link"]/@href') == ["#main"]
    assert doc.xpath('//main[@id="main"]')
    # Every visible form control has a label.
    for control in doc.xpath("//input[not(@type='hidden')] | //select"):
        assert doc.xpath(f'//label[@for="{control.get("id")}"]'), control.get("name")
    assert doc.xpath('//nav[@aria-label="Filters"]//h3')


def test_facet_links_add_and_remove_values_keeping_the_search(client: TestClient) -> None:
    doc = page(client, "/?q=study")
    add_phase2 = facet_link(doc, "phase", "PHASE2")
    assert dict(parse_qsl(urlsplit(add_phase2).query)) == {"q": "study", "phase": "PHASE2"}
    doc = page(client, add_phase2)
    add_phase3 = facet_link(doc, "phase", "PHASE3")
    pairs = parse_qsl(urlsplit(add_phase3).query)
    assert ("phase", "PHASE2") in pairs and ("phase", "PHASE3") in pairs and ("q", "study") in pairs
    doc = page(client, add_phase3)
    selected = doc.xpath('//a[contains(@class, "facet-value") and contains(@class, "selected")]')
    assert {a.get("data-value") for a in selected} == {"PHASE2", "PHASE3"}
    # Clicking a selected value removes only it.
    remove_phase2 = facet_link(doc, "phase", "PHASE2")
    assert parse_qsl(urlsplit(remove_phase2).query) == [("q", "study"), ("phase", "PHASE3")]
    # The CSV link exports exactly this search.
    csv_link = doc.xpath('//a[contains(text(), "CSV")]/@href')[0]
    assert urlsplit(csv_link).path == "/v1/export.csv"
    assert sorted(parse_qsl(urlsplit(csv_link).query)) == sorted(
        [("q", "study"), ("phase", "PHASE2"), ("phase", "PHASE3")]
    )


def test_results_show_highlights_safely(client: TestClient) -> None:
    response = client.get("/", params={"q": "lenalidomide maintenance"})
    doc = lxml.html.fromstring(response.text)
    first = doc.xpath('//ol[@class="hits"]/li[1]')[0]
    assert "Lenalidomide Maintenance" in first.text_content()
    assert first.xpath(".//mark")  # matched words are highlighted
    hostile = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in hostile.text


def test_place_filter_finds_trials_near_a_zip_code(client: TestClient) -> None:
    doc = page(client, "/?place=02215&radius_km=25mi&sort=distance")
    heading = doc.xpath("//h1")[0].text_content()
    assert "near 02215 (Boston, MA)" in heading
    distances = doc.xpath('//p[@class="distance"]')
    assert distances and all("Boston" in d.text_content() for d in distances)
    rich_links = doc.xpath(f'//a[starts-with(@href, "/trials/{RICH_ID}")]')
    assert rich_links  # Dana-Farber is in 02215


def test_unknown_place_is_explained(client: TestClient) -> None:
    doc = page(client, "/?place=Xyzzyville", status=400)
    alert = doc.xpath('//*[@role="alert"]')[0].text_content()
    assert "no city named 'Xyzzyville'" in alert


def test_bad_parameter_is_explained_on_the_page(client: TestClient) -> None:
    doc = page(client, "/?min_age=70&max_age=20", status=400)
    alert = doc.xpath('//*[@role="alert"]')[0].text_content()
    assert "Participant age from: min_age is greater than max_age" in alert


def test_trial_page_shows_what_a_researcher_needs(client: TestClient) -> None:
    doc = page(client, f"/trials/{RICH_ID}?place=Boston,%20MA&q=myeloma")
    text = doc.text_content()
    assert doc.xpath("//h1")[0].text_content() == "Lenalidomide Maintenance for Multiple Myeloma"
    eligibility = doc.xpath('//section[@id="eligibility"]')[0].text_content()
    assert "18 years and over" in eligibility
    assert "All" in eligibility
    assert "Diagnosis of multiple myeloma" in eligibility
    assert "3 of 8 shown" in eligibility and "3 of 19 shown" in eligibility
    # Sites nearest Boston first.
    rows = [row.text_content() for row in doc.xpath('//table[@class="sites"]/tbody/tr')]
    assert [r.split("\n")[0] for r in rows] and "Dana-Farber" in rows[0]
    assert "MD Anderson" in rows[-1]
    assert "km" in rows[0]
    timeline = doc.xpath('//section[@id="timeline"]')[0].text_content()
    assert "Screening" in timeline and "2-4 weeks" in timeline
    arms = doc.xpath('//section[@id="arms"]')[0].text_content()
    assert "Lenalidomide maintenance" in arms and "Experimental" in arms
    refs = doc.xpath('//section[@id="references"]//a/@href')
    assert "https://pubmed.ncbi.nlm.nih.gov/22571200/" in refs
    assert "https://doi.org/10.1200/JCO.2017.72.6679" in refs
    assert "A reference with no identifier" in text
    back = doc.xpath('//p[@class="back"]/a/@href')[0]
    assert sorted(parse_qsl(urlsplit(back).query)) == [("place", "Boston, MA"), ("q", "myeloma")]


def test_unknown_trial_page_is_a_404(client: TestClient) -> None:
    doc = page(client, "/trials/ctgov:NCT00000000", status=404)
    assert "No trial with id" in doc.text_content()


def test_truncated_facets_offer_more_values(client: TestClient) -> None:
    doc = page(client, "/?facet_size=2")
    more = doc.xpath('//p[@class="more-values"]/a/@href')
    assert more and all(dict(parse_qsl(urlsplit(h).query)) == {"facet_size": "50"} for h in more)
    doc = page(client, more[0])
    assert not doc.xpath('//p[@class="more-values"]')


def test_unavailable_backend_is_explained_on_the_page() -> None:
    with TestClient(create_app(kind="es", url="http://127.0.0.1:9")) as unreachable:
        for url in ("/?q=asthma", f"/trials/{RICH_ID}"):
            response = unreachable.get(url)
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/html")
            assert "Search unavailable" in response.text


def test_coded_values_read_as_words_and_free_text_as_written() -> None:
    assert facet_value_label("PHASE2", "phase") == "Phase 2"
    assert facet_value_label("NOT_YET_RECRUITING", "status") == "Not yet recruiting"
    assert facet_value_label("EARLY_PHASE1", "phase") == "Early phase 1"
    assert facet_value_label("NSCLC", "condition") == "NSCLC"
    assert facet_value_label("INDUSTRY", "sponsor_class") == "Industry"


def test_page_ignores_unknown_parameters_on_shared_links(client: TestClient) -> None:
    doc = page(client, "/?q=asthma&utm_source=newsletter")
    assert "for “asthma”" in doc.xpath("//h1")[0].text_content()
