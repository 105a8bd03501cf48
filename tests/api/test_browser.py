"""A real browser on the real server: headless Debian Chromium driven by Playwright.

`trialdex serve` runs in a subprocess over a SQLite index of the test records.
The browser searches, toggles two values of one facet (and a third facet),
opens a trial, checks what is shown and saves screenshots under
test-output/browser/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.api.records import RICH_ID
from tests.conftest import REPO
from tests.served import trialdex_serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = REPO / "test-output" / "browser"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(sqlite_path: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k != "ELASTICSEARCH_URL"}
    options = ["--backend", "sqlite", "--path", str(sqlite_path)]
    with trialdex_serve(options, cwd=REPO, env=env) as base:
        yield base


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def test_search_toggle_facets_open_trial(server: str, page: Page) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(server + "/")
    # Keyboard first: the first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    page.get_by_label("Search trials").fill("myeloma")
    page.get_by_label("Search trials").press("Enter")
    page.wait_for_url("**/?q=myeloma*")
    expect(page.locator("h1")).to_contain_text("for “myeloma”")

    page.locator('a[data-facet="phase"][data-value="PHASE2"]').click()
    page.wait_for_url("**phase=PHASE2*")
    page.locator('a[data-facet="phase"][data-value="PHASE3"]').click()
    page.wait_for_url("**phase=PHASE3*")
    assert "phase=PHASE2" in page.url and "phase=PHASE3" in page.url and "q=myeloma" in page.url
    selected = page.locator("a.facet-value.selected")
    expect(selected).to_have_count(2)
    expect(page.locator('ul.chips a[aria-label^="Remove filter Phase"]')).to_have_count(2)
    for title in page.locator("ol.hits h2").all_inner_texts():
        assert "myeloma" in title.lower()
    search_shot = OUTPUT / "search.png"
    page.screenshot(path=str(search_shot), full_page=True)

    # Narrow to the listing-site trial with a third facet, then open it.
    page.locator('a[data-facet="source"][data-value="listing"]').click()
    page.wait_for_url("**source=listing*")
    expect(page.locator("ol.hits > li")).to_have_count(1)

    page.locator(f'ol.hits a[href^="/trials/{RICH_ID}"]').click()
    page.wait_for_url(f"**/trials/{RICH_ID}*")
    expect(page.locator("h1")).to_have_text("Lenalidomide Maintenance for Multiple Myeloma")
    eligibility = page.locator("#eligibility")
    expect(eligibility).to_contain_text("18 years and over")
    expect(eligibility).to_contain_text("Diagnosis of multiple myeloma")
    expect(page.locator("#sites table tbody tr")).to_have_count(3)
    expect(page.locator("#timeline")).to_contain_text("Screening")
    pubmed = page.locator('#references a[href="https://pubmed.ncbi.nlm.nih.gov/22571200/"]')
    expect(pubmed).to_have_count(1)
    back = page.locator("p.back a").get_attribute("href") or ""
    assert "phase=PHASE2" in back and "phase=PHASE3" in back and "q=myeloma" in back
    assert "source=listing" in back

    trial_shot = OUTPUT / "trial.png"
    page.screenshot(path=str(trial_shot), full_page=True)
    for shot in (search_shot, trial_shot):
        assert shot.exists() and shot.stat().st_size > 0
