"""Security headers on every response, a relaxed policy only on the docs pages, and the
size bound on the request target."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.guard import DOCS_POLICY, MAX_TARGET_BYTES, STRICT_POLICY
from tests.api.test_errors import assert_problem


@pytest.mark.parametrize(
    "path",
    ["/", "/?q=myeloma", "/v1/trials", "/v1/health", "/v1/nowhere", "/static/suggest.js"],
)
def test_strict_headers_everywhere(sqlite_client: TestClient, path: str) -> None:
    response = sqlite_client.get(path)
    assert response.headers["content-security-policy"] == STRICT_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "'unsafe-inline'" not in STRICT_POLICY
    assert "script-src 'self';" in STRICT_POLICY


def test_search_page_has_no_inline_script_or_style(sqlite_client: TestClient) -> None:
    html = sqlite_client.get("/", params={"q": "myeloma"}).text
    assert "<script>" not in html and "<script " in html  # only scripts with src
    assert "style=" not in html and "<style" not in html


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_get_their_own_policy(sqlite_client: TestClient, path: str) -> None:
    response = sqlite_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == DOCS_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    # Every origin the page loads from is one the policy names (the browser
    # test cannot render these pages: the CDN is not reachable from the tests).
    origins = set(re.findall(r"https://[a-z0-9.-]+", response.text))
    assert "https://cdn.jsdelivr.net" in origins
    assert all(origin in DOCS_POLICY for origin in origins), origins


# httpx itself refuses a query of 64 KiB or more (uvicorn's httptools too: api.guard).
@pytest.mark.parametrize("size", [MAX_TARGET_BYTES + 1, 60_000])
def test_an_overlong_target_is_a_problem(sqlite_client: TestClient, size: int) -> None:
    response = sqlite_client.get("/v1/trials", params={"q": "a" * size})
    body = assert_problem(response, 400, "q")
    assert str(MAX_TARGET_BYTES) in str(body["detail"])
    assert response.headers["content-security-policy"] == STRICT_POLICY


def test_a_long_parameter_under_the_bound_is_a_400(sqlite_client: TestClient) -> None:
    assert_problem(sqlite_client.get("/v1/trials", params={"q": "a" * 5000}), 400, "q")
