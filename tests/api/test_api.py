"""The /v1 API on both backends: records in the contract, filters, facets, paging, exports."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from parsers.records import TrialRecord
from tests.api.records import RICH_ID, all_records, rich_record

RECORDS = all_records()
BOSTON = (42.3601, -71.0589)


def expected_ids(keep: Callable[[TrialRecord], bool]) -> set[str]:
    return {r.id for r in RECORDS if keep(r)}


def all_hit_ids(client: TestClient, params: list[tuple[str, str]], size: int = 40) -> list[str]:
    """Every id of a search, following cursors."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        page = [*params, ("size", str(size)), ("facets", "")]
        if cursor:
            page.append(("cursor", cursor))
        response = client.get("/v1/trials", params=page)
        assert response.status_code == 200, response.text
        body = response.json()
        ids.extend(hit["record"]["id"] for hit in body["hits"])
        cursor = body["next_cursor"]
        if not cursor or not body["hits"]:
            return ids
    raise AssertionError("paging did not end")


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_exact_title_finds_the_trial_first_in_the_record_contract(client: TestClient) -> None:
    response = client.get(
        "/v1/trials", params={"q": "Lenalidomide Maintenance for Multiple Myeloma"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    first = body["hits"][0]
    assert first["record"]["id"] == RICH_ID
    # Exactly the contract: the same JSON the record model writes, "class" not "class_".
    assert first["record"] == rich_record().to_dict()
    assert first["record"]["sponsor"]["class"] == "OTHER"
    assert "class_" not in json.dumps(first["record"])
    assert body["total"] >= 1
    assert set(body) >= {"total", "hits", "facets", "next_cursor", "backend"}


def test_one_trial_by_id(client: TestClient) -> None:
    response = client.get(f"/v1/trials/{RICH_ID}")
    assert response.status_code == 200
    assert response.json() == rich_record().to_dict()
    assert TrialRecord.model_validate(response.json()) == rich_record()


def test_repeated_filter_values_are_or_and_facets_are_and(client: TestClient) -> None:
    either = all_hit_ids(client, [("phase", "PHASE2"), ("phase", "PHASE3")])
    assert len(either) == len(set(either))
    assert set(either) == expected_ids(
        lambda r: bool({p.value for p in r.phases} & {"PHASE2", "PHASE3"})
    )
    both = all_hit_ids(client, [("phase", "PHASE2"), ("status", "RECRUITING")])
    assert set(both) == expected_ids(
        lambda r: (
            "PHASE2" in {p.value for p in r.phases}
            and r.status is not None
            and r.status.value == "RECRUITING"
        )
    )
    assert both  # the test set has such trials, so the check above means something


def test_cursor_pages_through_everything_exactly_once(client: TestClient) -> None:
    ids = all_hit_ids(client, [], size=17)
    assert len(ids) == len(RECORDS)
    assert set(ids) == {r.id for r in RECORDS}


def test_facets_are_datasette_shaped_and_multi_select(client: TestClient) -> None:
    response = client.get("/v1/trials", params=[("phase", "PHASE2"), ("size", "0")])
    facets = {f["name"]: f for f in response.json()["facets"]}
    phase = facets["phase"]
    assert set(phase) >= {"name", "truncated", "values"}
    counts = {v["value"]: v["count"] for v in phase["values"]}
    # The phase facet ignores the phase selection: PHASE3 is still offered with its full count.
    assert counts["PHASE3"] == len(expected_ids(lambda r: "PHASE3" in {p.value for p in r.phases}))
    selected = {v["value"] for v in phase["values"] if v["selected"]}
    assert selected == {"PHASE2"}
    status = {v["value"]: v["count"] for v in facets["status"]["values"]}
    phase2 = [r for r in RECORDS if "PHASE2" in {p.value for p in r.phases}]
    assert status["RECRUITING"] == sum(
        1 for r in phase2 if r.status is not None and r.status.value == "RECRUITING"
    )


def test_facet_values_endpoint_applies_the_other_selections(client: TestClient) -> None:
    response = client.get("/v1/facets/sponsor_class", params={"phase": "PHASE1", "size": 50})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "sponsor_class"
    counts = {v["value"]: v["count"] for v in body["values"]}
    phase1 = [r for r in RECORDS if "PHASE1" in {p.value for p in r.phases}]
    assert counts["NIH"] == sum(1 for r in phase1 if r.sponsor and r.sponsor.class_ == "NIH")


def test_suggest_completes_conditions(client: TestClient) -> None:
    response = client.get("/v1/suggest", params={"field": "condition", "prefix": "mye"})
    assert response.status_code == 200
    assert "Multiple Myeloma" in response.json()["suggestions"]


def test_near_with_radius_keeps_trials_with_a_site_in_range(client: TestClient) -> None:
    near = f"{BOSTON[0]},{BOSTON[1]}"
    params = [("near", near), ("radius_km", "50km"), ("sort", "distance"), ("size", "100")]
    body = client.get("/v1/trials", params=params).json()
    ids = {hit["record"]["id"] for hit in body["hits"]}
    assert ids == expected_ids(
        lambda r: any(s.geo and km(*BOSTON, s.geo.lat, s.geo.lon) <= 50 for s in r.sites)
    )
    distances = [hit["distance_km"] for hit in body["hits"]]
    assert distances == sorted(distances)
    assert all(d is not None and d <= 50 for d in distances)
    assert all(hit["nearest_site"]["city"] == "Boston" for hit in body["hits"])


def test_age_filter_keeps_overlapping_ranges_and_open_bounds(client: TestClient) -> None:
    ids = all_hit_ids(client, [("min_age", "70"), ("max_age", "70")])

    def overlaps(r: TrialRecord) -> bool:
        low, high = r.eligibility.min_age_years, r.eligibility.max_age_years
        return (low is None or low <= 70) and (high is None or high >= 70)

    assert set(ids) == expected_ids(overlaps)


def test_export_csv_streams_the_whole_result_set(client: TestClient) -> None:
    response = client.get("/v1/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-total-count"] == str(len(RECORDS))
    assert response.headers["x-export-truncated"] == "false"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(RECORDS)  # more than one page of 100: cursors were followed
    assert {row["id"] for row in rows} == {r.id for r in RECORDS}
    rich = next(row for row in rows if row["id"] == RICH_ID)
    assert rich["sponsor.class"] == "OTHER"
    assert rich["eligibility.min_age_years"] == "18.0"
    assert rich["phases"] == "PHASE2"


def test_export_jsonl_with_a_filter_and_a_limit(client: TestClient) -> None:
    response = client.get("/v1/export.jsonl", params={"phase": "PHASE1"})
    assert response.status_code == 200
    lines = response.text.splitlines()
    records = [TrialRecord.model_validate_json(line) for line in lines]
    assert {r.id for r in records} == expected_ids(
        lambda r: "PHASE1" in {p.value for p in r.phases}
    )
    limited = client.get("/v1/export.jsonl", params={"limit": "5"})
    assert len(limited.text.splitlines()) == 5
    assert limited.headers["x-export-truncated"] == "true"


def test_health_reports_backend_and_index(client: TestClient, backend: Any) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["backend"] == backend.name
    assert body["records"] == len(RECORDS)
    assert isinstance(body["index"], dict) and body["index"]
