"""The search page under its Content-Security-Policy in a real browser: no violations, and
the script still works (autocomplete fills its list from /v1/suggest)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.api.test_browser import page, server  # noqa: F401 (fixtures)

# Reported by the page itself, so violations of any directive are seen.
_LISTEN = """() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violations.push(e.violatedDirective + " " + e.blockedURI);
  });
}"""


def test_search_page_works_under_its_policy(server: str, page: Page) -> None:  # noqa: F811
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(f"({_LISTEN})()")
    response = page.goto(server + "/?q=myeloma")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    box = page.get_by_label("Search trials")
    box.fill("")
    box.press_sequentially("mye", delay=50)
    options = page.locator("datalist option")
    expect(options.first).to_be_attached(timeout=5000)  # the script ran and fetched
    assert page.evaluate("window.__violations") == []
    assert not [text for text in console if "Content Security Policy" in text]
