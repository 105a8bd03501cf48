"""`index.query_params`: the one parser of search parameters (the API's and the CLI's)."""

from __future__ import annotations

import pytest

from index.errors import SearchRequestError
from index.query_params import parse_params, reject_unknown


def test_params_route_facets_to_filters() -> None:
    request = parse_params(
        [("q", "myeloma"), ("phase", "PHASE2"), ("phase", "PHASE3"), ("facets", "phase,status")]
    )
    assert request.filters == {"phase": ["PHASE2", "PHASE3"]}
    assert request.facet_names() == ["phase", "status"]
    with pytest.raises(SearchRequestError, match="unknown query parameter 'colour'"):
        parse_params([("colour", "red")])


def _fault(pairs: list[tuple[str, str]]) -> SearchRequestError:
    with pytest.raises(SearchRequestError) as info:
        parse_params(pairs)
    return info.value


def test_every_problem_names_its_parameter() -> None:
    error = _fault([("size", "500"), ("phase", "PHASE9"), ("status", "")])
    assert error.parameters == ["size", "phase", "status"]
    assert error.problems[0] == "size: 500 is over the maximum page size of 100"
    assert error.problems[1].startswith("filter phase: 'PHASE9' is not one of")
    assert error.problems[2] == "filter status: empty value"


def test_rules_across_parameters_name_the_first_one_mentioned() -> None:
    assert _fault([("radius_km", "5km")]).parameters == ["radius_km"]
    assert _fault([("start_date_from", "2024"), ("start_date_to", "2020")]).parameters == [
        "start_date_from"
    ]
    error = _fault([("near", "1,1"), ("radius_km", "99999km")])
    assert error.parameters == ["radius_km"] and "half the Earth" in str(error)


def test_single_valued_parameters_come_once_and_facets_may_repeat() -> None:
    assert _fault([("size", "5"), ("size", "6")]).parameters == ["size"]
    request = parse_params([("facets", "phase"), ("facets", "status,")])
    assert request.facet_names() == ["phase", "status"]
    assert parse_params([("facets", "")]).facet_names() == []


def test_ignored_and_excluded_names() -> None:
    assert parse_params([("limit", "5")], ignore=("limit",)).size == 20
    # A cursor is checked by the backend that made it, not here.
    assert parse_params([("cursor", "x")]).cursor == "x"
    with pytest.raises(SearchRequestError) as info:
        parse_params([("size", "5")], exclude=("size",))
    assert info.value.parameters == ["size"]
    with pytest.raises(SearchRequestError, match="this endpoint takes: field, prefix"):
        reject_unknown([("x", "1")], ("field", "prefix"))
