"""One contract, two backends: SQLite and the real Elasticsearch 9 answer alike.

Each test runs once per backend; results are checked against the plain-Python
oracle (tests/index/oracle.py), so both backends agree with each other too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from index.backend import SearchBackend
from index.errors import SearchRequestError
from index.geo import haversine_km
from index.reconcile import remove_missing
from index.search_models import FACETS, SearchRequest, SearchResponse
from parsers.records import TrialRecord
from tests.index import oracle
from tests.index.factory import make_record

BOSTON = "42.3601,-71.0589"

FILTER_CASES: list[dict[str, Any]] = [
    {},
    {"filters": {"phase": ["PHASE2"]}},
    {"filters": {"phase": ["PHASE2", "PHASE3"]}},
    {"filters": {"phase": ["PHASE2", "PHASE3"], "status": ["RECRUITING"]}},
    {"filters": {"sponsor": ["Pfizer"], "sponsor_class": ["INDUSTRY"]}},
    {"filters": {"condition": ["Multiple Myeloma", "Asthma"], "sex": ["ALL", "FEMALE"]}},
    {"filters": {"country": ["France"], "study_type": ["INTERVENTIONAL"]}},
    {"filters": {"city": ["Boston", "Tokyo"], "intervention": ["Metformin", "Lenalidomide"]}},
    {"filters": {"state": ["Massachusetts"], "source": ["test"]}},
    {"has_results": True},
    {"has_results": False, "filters": {"phase": ["PHASE1"]}},
    {"start_date_from": "2019", "start_date_to": "2021-06"},
    {"start_date_from": "2020-03-01"},
    {"start_date_to": "2016"},
    {"min_age": 70},
    {"max_age": 16},
    {"min_age": 18, "max_age": 30},
    {"min_age": 66, "max_age": 70, "filters": {"sex": ["ALL"]}},
    {"near": BOSTON, "radius_km": "50km"},
    {"near": BOSTON, "radius_km": "400mi", "filters": {"country": ["United States"]}},
    {"near": "48.8566,2.3522", "radius_km": 20, "filters": {"phase": ["PHASE3"]}},
    {
        "near": BOSTON,
        "radius_km": 1000,
        "min_age": 18,
        "start_date_from": "2018",
        "filters": {"status": ["RECRUITING", "COMPLETED"], "intervention_type": ["DRUG"]},
    },
]


def _facets(response: SearchResponse) -> dict[str, list[tuple[str, int]]]:
    return {f.name: [(v.value, v.count) for v in f.values] for f in response.facets}


def _all_ids(backend: SearchBackend, data: dict[str, Any], page: int = 7) -> list[str]:
    """Page through a search with cursors; the ids in the order returned."""
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        response = backend.search(SearchRequest.parse({**data, "size": page, "cursor": cursor}))
        ids.extend(hit.record.id for hit in response.hits)
        cursor = response.next_cursor
        if cursor is None:
            return ids
    raise AssertionError("cursor paging did not end")


@pytest.mark.parametrize("case", FILTER_CASES, ids=lambda c: ",".join(sorted(c)) or "all")
def test_filters_and_facet_counts_match_the_oracle(
    backend: SearchBackend, records: list[TrialRecord], case: dict[str, Any]
) -> None:
    request = SearchRequest.parse({**case, "size": 100, "facet_size": 50})
    response = backend.search(request)
    expected = oracle.expected_ids(records, request)
    assert response.total == len(expected)
    assert {hit.record.id for hit in response.hits} == expected
    assert _facets(response) == oracle.expected_facets(records, request)
    for facet in response.facets:
        for value in facet.values:
            assert value.selected == (value.value in request.selected(facet.name))


def test_multi_select_counts_by_hand(backend: SearchBackend) -> None:
    """Selecting PHASE2 keeps the other phases' counts, and filters the other facets."""
    everything = _facets(backend.search(SearchRequest(size=0, facet_size=50)))
    response = backend.search(SearchRequest(filters={"phase": ["PHASE2"]}, size=0, facet_size=50))
    counts = _facets(response)
    assert counts["phase"] == everything["phase"]
    phase2 = dict(everything["phase"])["PHASE2"]
    assert response.total == phase2
    assert sum(n for _, n in counts["study_type"]) == phase2
    both = backend.search(
        SearchRequest(filters={"phase": ["PHASE2", "PHASE3"]}, size=0, facet_size=50)
    )
    phase3 = dict(everything["phase"])["PHASE3"]
    with_both = [r for r in dict(everything["phase"]) if r in ("PHASE2", "PHASE3")]
    assert len(with_both) == 2
    # Trials in both phases are counted once in the total.
    assert phase2 <= both.total <= phase2 + phase3
    assert {v.value for f in both.facets if f.name == "phase" for v in f.values if v.selected} == {
        "PHASE2",
        "PHASE3",
    }


def test_facet_truncation_and_subset(backend: SearchBackend, records: list[TrialRecord]) -> None:
    response = backend.search(SearchRequest(facets=["city", "phase"], facet_size=2, size=0))
    assert [f.name for f in response.facets] == ["city", "phase"]
    city = response.facets[0]
    assert city.truncated and len(city.values) == 2
    request = SearchRequest(facets=["city"], facet_size=2)
    assert _facets(response)["city"] == oracle.expected_facets(records, request)["city"]
    sex = backend.search(SearchRequest(facets=["sex"], facet_size=10, size=0)).facets[0]
    assert not sex.truncated
    none = backend.search(SearchRequest(facets=[], size=1))
    assert none.facets == [] and none.total == len(records)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"q": "study"},
        {"q": "myeloma", "filters": {"phase": ["PHASE2", "PHASE3", "NA"]}},
        {"sort": "start_date"},
        {"sort": "distance", "near": BOSTON},
        {"sort": "distance", "near": BOSTON, "radius_km": 500},
    ],
    ids=["all", "text", "text+filter", "start_date", "distance", "distance+radius"],
)
def test_cursor_pages_through_everything_exactly_once(
    backend: SearchBackend, data: dict[str, Any]
) -> None:
    whole = backend.search(SearchRequest.parse({**data, "size": 100}))
    paged = _all_ids(backend, data)
    assert len(paged) == len(set(paged)) == whole.total
    assert paged == [hit.record.id for hit in whole.hits]


def test_sort_orders(backend: SearchBackend, records: list[TrialRecord]) -> None:
    by_date = backend.search(SearchRequest(sort="start_date", size=100)).hits
    starts = [h.record.dates.start for h in by_date]
    dated = [s for s in starts if s]
    assert starts[: len(dated)] == dated, "trials without a start date come last"
    padded = [s if len(s) == 10 else s + "-01" for s in dated]
    assert padded == sorted(padded, reverse=True)

    near = SearchRequest.parse({"sort": "distance", "near": BOSTON, "size": 100})
    hits = backend.search(near).hits
    distances = [h.distance_km for h in hits if h.distance_km is not None]
    assert distances == sorted(distances)
    assert all(h.distance_km is None for h in hits[len(distances) :])
    assert len(hits) == len(records)


def test_nearest_site_and_distance(backend: SearchBackend) -> None:
    request = SearchRequest.parse({"near": BOSTON, "radius_km": "50mi", "size": 100})
    response = backend.search(request)
    assert response.hits
    for hit in response.hits:
        assert hit.nearest_site is not None and hit.nearest_site.geo is not None
        assert hit.distance_km is not None and hit.distance_km <= request.radius_km  # type: ignore[operator]
        geo = hit.nearest_site.geo
        exact = haversine_km(42.3601, -71.0589, geo.lat, geo.lon)
        assert hit.distance_km == pytest.approx(exact, abs=0.01)
        others = [s.geo for s in hit.record.sites if s.geo is not None]
        assert all(haversine_km(42.3601, -71.0589, g.lat, g.lon) >= exact - 1e-6 for g in others)


@pytest.mark.parametrize(
    "data",
    [
        *FILTER_CASES,
        {"q": "myeloma", "filters": {"phase": ["PHASE2"]}},
        {"near": BOSTON, "radius_km": "400mi", "sort": "distance", "q": "asthma"},
        {"size": 0},
    ],
)
def test_api_json_is_the_validated_answer_exactly(
    backend: SearchBackend, data: dict[str, Any]
) -> None:
    """`search_json` (records passed through as stored) says exactly what the
    validated `search` says, and every record in it is the whole contract."""
    request = SearchRequest.parse({"size": 100, **data})
    fast = json.loads(backend.search_json(request))
    slow = backend.search(request).model_dump(mode="json", by_alias=True)
    fast.pop("took_ms"), slow.pop("took_ms")
    assert fast == slow
    if "size" not in data:
        assert fast["hits"] or fast["total"] == 0
    for hit in fast["hits"]:
        whole = TrialRecord.model_validate(hit["record"]).model_dump(mode="json", by_alias=True)
        assert hit["record"] == whole
        assert list(hit["record"]) == list(whole)  # every field, in contract order


def test_exact_title_finds_that_trial_first(backend: SearchBackend) -> None:
    for title, wanted in [
        (
            "Lenalidomide Maintenance for Multiple Myeloma",
            "listing:power:lenalidomide-maintenance-myeloma",
        ),
        ("Spine Patient Outcomes Research Trial (SPORT): Herniated Disc", "ctgov:NCT00000410"),
        ("Dapagliflozin study 19 in Heart Failure", "test:T0019"),
    ]:
        response = backend.search(SearchRequest(q=title, size=5))
        assert response.hits and response.hits[0].record.id == wanted, title
        assert "<mark>" in response.hits[0].highlights["title"][0]


def test_synonyms_work_on_both_backends(backend: SearchBackend, records: list[TrialRecord]) -> None:
    revlimid = {h.record.id for h in backend.search(SearchRequest(q="revlimid", size=100)).hits}
    lenalidomide = {
        r.id
        for r in records
        if any(i.name in ("Lenalidomide", "Revlimid") for i in r.interventions)
    }
    assert lenalidomide <= revlimid
    plasma = {
        h.record.id for h in backend.search(SearchRequest(q="plasma cell myeloma", size=100)).hits
    }
    assert "listing:power:lenalidomide-maintenance-myeloma" in plasma
    assert "ctgov:NCT03937141" in plasma
    assert "test:T0001" not in plasma  # Breast Cancer


def test_free_text_is_never_query_syntax(backend: SearchBackend) -> None:
    for text in ['"unbalanced', "a AND (b OR", "title:x*", "-", "~~~", "[]{}", "myeloma\\", "*"]:
        response = backend.search(SearchRequest(q=text, size=3))
        assert response.total >= 0
    assert (
        backend.search(SearchRequest(q="myeloma -asthma", size=1)).total
        == backend.search(SearchRequest(q="myeloma asthma", size=1)).total
    )


def test_text_and_filters_combine(backend: SearchBackend, records: list[TrialRecord]) -> None:
    request = SearchRequest(q="breast cancer", filters={"phase": ["PHASE1"]}, size=100)
    got = {h.record.id for h in backend.search(request).hits}
    expected = {r.id for r in records if "Breast Cancer" in r.conditions and "PHASE1" in r.phases}
    assert got == expected


def test_bad_cursor_is_a_request_error(backend: SearchBackend) -> None:
    for bad in ["garbage", "WzEsIngiLCJ5IixbXV0"]:
        with pytest.raises(SearchRequestError):
            backend.search(SearchRequest(cursor=bad))
    first = backend.search(SearchRequest(size=2))
    assert first.next_cursor
    with pytest.raises(SearchRequestError, match="sort"):
        backend.search(SearchRequest(sort="start_date", cursor=first.next_cursor))


def test_get_count_ids_delete_and_reconcile(
    backend: SearchBackend, records: list[TrialRecord]
) -> None:
    assert backend.count() == len(records)
    record = backend.get("test:T0007")
    assert record == next(r for r in records if r.id == "test:T0007")
    assert backend.get("test:nope") is None
    assert backend.ids("ctgov") == {"ctgov:NCT00000410", "ctgov:NCT03937141"}
    assert len(backend.ids()) == len(records)

    # A source that lost a trial: the reconcile removes just that one.
    assert remove_missing(backend, "ctgov", {"ctgov:NCT00000410"}) == 1
    assert backend.get("ctgov:NCT03937141") is None
    assert backend.count() == len(records) - 1
    assert backend.delete(["test:T0001", "test:T0001", "test:absent"]) == 1
    assert backend.count() == len(records) - 2
    assert backend.search(SearchRequest(filters={"source": ["ctgov"]})).total == 1


def test_reindex_is_an_upsert(backend: SearchBackend, records: list[TrialRecord]) -> None:
    changed = make_record(3, title="Renamed trial about gout", phases=["PHASE4"])
    report = backend.index_records([*records[5:10], changed])
    assert report.indexed == 6 and report.ok
    assert backend.count() == len(records)
    got = backend.get("test:T0003")
    assert got is not None and got.title == "Renamed trial about gout"
    hits = backend.search(SearchRequest(q="gout", size=5)).hits
    assert [h.record.id for h in hits] == ["test:T0003"]
    phase4 = backend.search(SearchRequest(filters={"phase": ["PHASE4"]}, size=100))
    assert "test:T0003" in {h.record.id for h in phase4.hits}


def test_suggestions(backend: SearchBackend) -> None:
    assert backend.suggest("condition", "mult") == ["Multiple Myeloma"]
    assert backend.suggest("condition", "MYEL") == ["Multiple Myeloma", "Plasma Cell Myeloma"]
    assert backend.suggest("intervention", "len")[0] == "Lenalidomide"
    assert "National Cancer Institute (NCI)" in backend.suggest("sponsor", "canc", 10)
    assert backend.suggest("sponsor", "zzz") == []
    with pytest.raises(SearchRequestError):
        backend.suggest("phase", "P")


def test_facet_values(backend: SearchBackend, records: list[TrialRecord]) -> None:
    facet = backend.facet_values("country", SearchRequest(filters={"country": ["France"]}))
    request = SearchRequest(filters={"country": ["France"]}, facets=["country"], facet_size=100)
    assert [(v.value, v.count) for v in facet.values] == oracle.expected_facets(records, request)[
        "country"
    ]
    assert [v.value for v in facet.values if v.selected] == ["France"]
    assert set(FACETS) >= {f.name for f in backend.search(SearchRequest(size=0)).facets}


def test_health(backend: SearchBackend, records: list[TrialRecord]) -> None:
    health = backend.health()
    assert health["ok"] is True and health["count"] == len(records)


def _rebuilt_set(records: list[TrialRecord]) -> list[TrialRecord]:
    """What a rebuild brings: a few of the old trials (one changed) and new ones."""
    kept = [r for r in records if r.id.startswith("test:")][:8]
    changed = make_record(3, title="Renamed trial about gout", phases=["PHASE4"])
    new = [make_record(n, title=f"Sarcoidosis trial {n}") for n in range(900, 912)]
    return [*(r for r in kept if r.id != changed.id), changed, *new]


def test_rebuild_replaces_the_whole_index(
    backend: SearchBackend, records: list[TrialRecord]
) -> None:
    fresh = _rebuilt_set(records)
    seen: list[int] = []
    report = backend.rebuild(lambda: iter(fresh), progress=seen.append)
    assert report.ok and report.indexed == len(fresh)
    assert seen and seen[-1] == len(fresh)

    # The same backend object answers from the new index: old ids are gone.
    assert backend.count() == len(fresh)
    assert backend.ids() == {r.id for r in fresh}
    gone = {r.id for r in records} - {r.id for r in fresh}
    assert gone and all(backend.get(i) is None for i in sorted(gone)[:5])
    hits = backend.search(SearchRequest(q="sarcoidosis", size=100)).hits
    assert {h.record.id for h in hits} == {f"test:T{n:04d}" for n in range(900, 912)}
    got = backend.get("test:T0003")
    assert got is not None and got.title == "Renamed trial about gout"

    # Filters and facet counts follow the new contents, as the oracle says.
    request = SearchRequest.parse({"filters": {"phase": ["PHASE4", "PHASE2"]}, "size": 100})
    response = backend.search(request)
    assert {h.record.id for h in response.hits} == oracle.expected_ids(fresh, request)
    assert _facets(response) == oracle.expected_facets(fresh, request)
    assert backend.suggest("condition", "zzz") == []


def test_rebuild_twice_and_then_upsert(backend: SearchBackend, records: list[TrialRecord]) -> None:
    backend.rebuild(lambda: iter(records[:5]))
    report = backend.rebuild(lambda: iter(records[10:14]))
    assert report.indexed == 4
    assert backend.ids() == {r.id for r in records[10:14]}
    assert backend.index_records(records[:1]).indexed == 1
    assert backend.ids() == {r.id for r in [*records[10:14], records[0]]}


def test_a_failed_rebuild_leaves_the_live_index_alone(
    backend: SearchBackend, records: list[TrialRecord]
) -> None:
    def broken() -> Iterator[TrialRecord]:
        yield from records[:3]
        raise RuntimeError("the reparsed files went away")

    with pytest.raises(RuntimeError, match="went away"):
        backend.rebuild(broken)
    assert backend.count() == len(records)
    assert backend.ids() == {r.id for r in records}
