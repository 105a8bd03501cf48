"""The OpenAPI document: parameters derived from the index's models, documented errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.search_models import FACETS, SearchRequest

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema(sqlite_client: TestClient) -> dict[str, Any]:
    response = sqlite_client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_search_parameters_are_every_request_field_and_every_facet(schema: dict[str, Any]) -> None:
    params = {p["name"]: p for p in schema["paths"]["/v1/trials"]["get"]["parameters"]}
    expected = {name for name in SearchRequest.model_fields if name != "filters"} | set(FACETS)
    assert set(params) == expected
    assert all(p["description"] for p in params.values())
    assert params["phase"]["schema"]["type"] == "array"  # repeatable filters
    assert "PHASE2" in params["phase"]["schema"]["items"]["enum"]
    assert params["size"]["schema"]["maximum"] == 100
    assert params["near"]["example"] == "42.3601,-71.0589"


def test_records_are_documented_by_contract_name(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert "class" in components["Organization"]["properties"]
    assert "class_" not in components["Organization"]["properties"]
    hit = components["Hit"]["properties"]
    assert hit["record"]["$ref"].endswith("/TrialRecord")


def test_errors_are_documented_as_problems_and_no_422(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for code, answer in responses.items():
                if code.startswith(("4", "5")):
                    assert list(answer["content"]) == [PROBLEM], (method, path, code)
    assert "400" in schema["paths"]["/v1/trials"]["get"]["responses"]
    assert "503" in schema["paths"]["/v1/trials"]["get"]["responses"]


def test_every_operation_is_described(schema: dict[str, Any]) -> None:
    assert "problem+json" in schema["info"]["description"]
    assert "TRIALDEX_API_KEY" in schema["info"]["description"]
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert operation.get("summary")
    html_paths = [p for p in schema["paths"] if not p.startswith("/v1/")]
    assert html_paths == []  # the search page is not part of the API


def test_docs_page_is_served(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/docs")
    assert response.status_code == 200
    assert "openapi.json" in response.text
