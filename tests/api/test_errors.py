"""Every bad input gets a 4xx problem+json that names the parameter; keys guard writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index import cursor as cursors
from index.backend import SearchBackend
from tests.api.records import RICH_ID

PROBLEM = "application/problem+json"

BAD_REQUESTS = [
    # (path, params, status, parameter)
    ("/v1/trials", [("colour", "red")], 400, "colour"),
    ("/v1/trials", [("phase", "PHASE9")], 400, "phase"),
    ("/v1/trials", [("status", "")], 400, "status"),
    ("/v1/trials", [("start_date_from", "2020-13-01")], 400, "start_date_from"),
    ("/v1/trials", [("start_date_to", "yesterday")], 400, "start_date_to"),
    (
        "/v1/trials",
        [("start_date_from", "2024"), ("start_date_to", "2020")],
        400,
        "start_date_from",
    ),
    ("/v1/trials", [("near", "42.3")], 400, "near"),
    ("/v1/trials", [("near", "north,west")], 400, "near"),
    ("/v1/trials", [("near", "95,10")], 400, "near"),
    ("/v1/trials", [("size", "101")], 400, "size"),
    ("/v1/trials", [("size", "-1")], 400, "size"),
    ("/v1/trials", [("size", "ten")], 400, "size"),
    ("/v1/trials", [("size", "5"), ("size", "6")], 400, "size"),
    ("/v1/trials", [("cursor", "not a cursor!")], 400, "cursor"),
    ("/v1/trials", [("cursor", "eyJ0cnVuY2F0ZWQ")], 400, "cursor"),
    ("/v1/trials", [("radius_km", "50mi")], 400, "radius_km"),
    ("/v1/trials", [("near", "42.36,-71.06"), ("radius_km", "far")], 400, "radius_km"),
    ("/v1/trials", [("near", "42.36,-71.06"), ("radius_km", "99999999km")], 400, "radius_km"),
    ("/v1/trials", [("min_age", "70"), ("max_age", "20")], 400, "min_age"),
    ("/v1/trials", [("min_age", "old")], 400, "min_age"),
    ("/v1/trials", [("max_age", "200")], 400, "max_age"),
    ("/v1/trials", [("sort", "distance")], 400, "sort"),
    ("/v1/trials", [("sort", "popularity")], 400, "sort"),
    ("/v1/trials", [("facets", "colour")], 400, "facets"),
    ("/v1/trials", [("facet_size", "5000")], 400, "facet_size"),
    ("/v1/trials", [("has_results", "maybe")], 400, "has_results"),
    ("/v1/trials", [("q", "x" * 501)], 400, "q"),
    ("/v1/trials/" + RICH_ID, [("verbose", "1")], 400, "verbose"),
    ("/v1/trials/ctgov:NCT99999999", [], 404, "id"),
    ("/v1/facets/colour", [], 404, "name"),
    ("/v1/facets/phase", [("size", "5000")], 400, "size"),
    ("/v1/facets/phase", [("cursor", "abc")], 400, "cursor"),
    ("/v1/suggest", [("field", "title"), ("prefix", "a")], 400, "field"),
    ("/v1/suggest", [("field", "condition")], 400, "prefix"),
    ("/v1/suggest", [("field", "condition"), ("prefix", "my"), ("size", "500")], 400, "size"),
    ("/v1/suggest", [("field", "condition"), ("prefix", "my"), ("x", "1")], 400, "x"),
    ("/v1/export.csv", [("limit", "0")], 400, "limit"),
    ("/v1/export.csv", [("limit", "lots")], 400, "limit"),
    ("/v1/export.csv", [("cursor", "abc")], 400, "cursor"),
    ("/v1/export.jsonl", [("near", "1")], 400, "near"),
    ("/v1/health", [("deep", "1")], 400, "deep"),
]


def assert_problem(response: object, status: int, parameter: str | None) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    if parameter is not None:
        assert body["parameter"] == parameter
        assert parameter in str(body["detail"])
    return body


@pytest.mark.parametrize(
    ("path", "params", "status", "parameter"),
    BAD_REQUESTS,
    ids=[f"{p}?{'&'.join(k for k, _ in q)}->{par}" for p, q, _, par in BAD_REQUESTS],
)
def test_bad_input_is_a_4xx_problem_naming_the_parameter(
    client: TestClient, path: str, params: list[tuple[str, str]], status: int, parameter: str
) -> None:
    assert_problem(client.get(path, params=params), status, parameter)


def test_problem_detail_reads_well(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/trials", params={"size": "500"}), 400, "size")
    assert body["detail"] == "size: 500 is over the maximum page size of 100"
    body = assert_problem(client.get("/v1/trials", params={"colour": "red"}), 400, "colour")
    assert "unknown query parameter 'colour'" in str(body["detail"])
    assert "phase" in str(body["detail"])  # it lists what is accepted


def test_cursor_of_another_search_shape_is_refused(
    client: TestClient, backend: SearchBackend
) -> None:
    first = client.get("/v1/trials", params={"size": "2", "sort": "start_date"}).json()
    cursor = first["next_cursor"]
    assert cursor
    assert (
        client.get(
            "/v1/trials", params={"size": "2", "sort": "start_date", "cursor": cursor}
        ).status_code
        == 200
    )
    body = assert_problem(
        client.get("/v1/trials", params={"size": "2", "sort": "relevance", "cursor": cursor}),
        400,
        "cursor",
    )
    assert "sort" in str(body["detail"])
    foreign = cursors.encode("elsewhere", "relevance", [1.0, "x"])
    assert_problem(client.get("/v1/trials", params={"cursor": foreign}), 400, "cursor")


def test_several_problems_are_all_listed(client: TestClient) -> None:
    body = assert_problem(
        client.get("/v1/trials", params=[("phase", "PHASE9"), ("size", "1000")]), 400, "size"
    )
    errors = body["errors"]
    assert isinstance(errors, list)
    assert {e["parameter"] for e in errors} == {"phase", "size"}


def test_unknown_path_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404, None)


@pytest.fixture
def unreachable() -> Iterator[TestClient]:
    """An app whose Elasticsearch is not there (port 9 on loopback: nothing listens)."""
    with TestClient(create_app(kind="es", url="http://127.0.0.1:9")) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/v1/trials", "/v1/health", f"/v1/trials/{RICH_ID}"])
def test_backend_unavailable_is_a_503_problem(unreachable: TestClient, path: str) -> None:
    response = unreachable.get(path)
    assert_problem(response, 503, None)
    assert "backend" in response.json()["detail"]


def test_state_changing_endpoint_needs_the_key(
    sqlite_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIALDEX_API_KEY", raising=False)
    assert_problem(sqlite_client.post("/v1/admin/reopen"), 403, None)
    monkeypatch.setenv("TRIALDEX_API_KEY", "s3cret")
    assert_problem(sqlite_client.post("/v1/admin/reopen"), 401, None)
    assert_problem(
        sqlite_client.post("/v1/admin/reopen", headers={"X-API-Key": "wrong"}), 401, None
    )
    ok = sqlite_client.post("/v1/admin/reopen", headers={"X-API-Key": "s3cret"})
    assert ok.status_code == 200
    assert ok.json()["records"] > 0
    bearer = sqlite_client.post("/v1/admin/reopen", headers={"Authorization": "Bearer s3cret"})
    assert bearer.status_code == 200
    # Reads never need it.
    assert sqlite_client.get("/v1/trials").status_code == 200


@pytest.mark.elasticsearch
def test_health_is_a_503_when_the_alias_has_no_index(es_server: Any) -> None:
    app = create_app(kind="es", url=es_server.url, alias=f"test-missing-{uuid.uuid4().hex[:8]}")
    with TestClient(app) as test_client:
        response = test_client.get("/v1/health")
    body = assert_problem(response, 503, None)
    assert "not ready" in str(body["detail"])
