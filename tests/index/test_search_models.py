"""The search request contract: filters, radius, dates, cursors, page size."""

from __future__ import annotations

import pytest

from index import cursor
from index.errors import SearchRequestError
from index.search_models import (
    FACETS,
    MAX_PAGE_SIZE,
    SUGGEST_FACETS,
    SearchRequest,
    date_bound,
    parse_radius,
)
from parsers.errors import TrialdexError


def test_radius_units() -> None:
    assert parse_radius("80km") == 80
    assert parse_radius("50mi") == pytest.approx(80.4672)
    assert parse_radius("500 m") == pytest.approx(0.5)
    assert parse_radius(12) == 12
    with pytest.raises(ValueError, match="furlong"):
        parse_radius("3 furlong")


def test_filters_are_normalised_and_checked() -> None:
    request = SearchRequest.parse({"filters": {"phase": ["phase2", "PHASE2", "Phase3"]}})
    assert request.filters == {"phase": ["PHASE2", "PHASE3"]}
    with pytest.raises(SearchRequestError, match="not one of") as info:
        SearchRequest.parse({"filters": {"phase": ["PHASE9"]}})
    assert isinstance(info.value, TrialdexError)
    with pytest.raises(SearchRequestError, match="unknown filter 'colour'"):
        SearchRequest.parse({"filters": {"colour": ["red"]}})


def test_page_size_is_capped() -> None:
    assert SearchRequest(size=10_000).size == MAX_PAGE_SIZE


def test_near_radius_and_distance_sort() -> None:
    request = SearchRequest.parse({"near": "42.36,-71.06", "radius_km": "50mi"})
    assert request.near is not None and request.near.lat == 42.36
    assert request.radius_km == pytest.approx(80.4672)
    with pytest.raises(SearchRequestError, match="needs near"):
        SearchRequest.parse({"sort": "distance"})
    with pytest.raises(SearchRequestError, match="LAT,LON"):
        SearchRequest.parse({"near": "boston"})


def test_partial_date_bounds() -> None:
    assert date_bound("2024", upper=False) == "2024-01-01"
    assert date_bound("2024-02", upper=True) == "2024-02-29"
    request = SearchRequest(start_date_from="2020", start_date_to="2021-06")
    assert (request.start_from, request.start_to) == ("2020-01-01", "2021-06-30")
    with pytest.raises(SearchRequestError, match="after"):
        SearchRequest.parse({"start_date_from": "2022", "start_date_to": "2021"})


def test_suggest_facets_come_from_the_record_markers() -> None:
    assert set(SUGGEST_FACETS) == {"condition", "intervention", "sponsor"}
    assert set(SUGGEST_FACETS) <= set(FACETS)


def test_cursor_round_trip_and_rejections() -> None:
    token = cursor.encode("sqlite", "relevance", [1.5, "ctgov:NCT1"])
    assert cursor.decode(token, "sqlite", "relevance", 2) == [1.5, "ctgov:NCT1"]
    for bad in ("not a cursor", "", "e30"):
        with pytest.raises(SearchRequestError, match="cursor"):
            cursor.decode(bad, "sqlite", "relevance", 2)
    with pytest.raises(SearchRequestError, match="sort=relevance"):
        cursor.decode(token, "sqlite", "start_date", 2)
    with pytest.raises(SearchRequestError, match="elasticsearch"):
        cursor.decode(
            cursor.encode("elasticsearch", "relevance", [1, "x"]), "sqlite", "relevance", 2
        )
