"""Query parameters of the search endpoints: their OpenAPI description, and their
parsing as problem details.

The parameters and their rules are `index.query_params`' (which the CLI uses
too): every `SearchRequest` field except ``filters`` is a query parameter of
the same name, every facet name a repeatable filter parameter
(``?phase=PHASE2&phase=PHASE3``). Here they are described from the index's
models, so there is no second field list, and a `SearchRequestError` becomes
a 400 problem naming each parameter at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from api.problems import (
    ApiProblem,
    invalid_parameters,
    parameter_problem,
    search_request_problem,
)
from index import query_params
from index.errors import SearchRequestError
from index.query_params import (
    MAX_CURSOR_CHARS,
    MAX_VALUE_CHARS,
    MAX_VALUES_PER_FILTER,
    PARAMETER_NAMES,
    REPEATABLE,
    SEARCH_FIELDS,
)
from index.search_models import FACETS, MAX_PAGE_SIZE, SearchRequest, facet_spec

# Textual forms the model accepts where its JSON Schema shows the parsed type.
_EXAMPLES: dict[str, Any] = {
    "q": "multiple myeloma lenalidomide",
    "near": "42.3601,-71.0589",
    "radius_km": "50mi",
    "start_date_from": "2020-01",
    "start_date_to": "2024",
    "min_age": 18,
    "max_age": 65,
    "has_results": True,
    "facets": ["phase", "status"],
}
_OVERRIDES: dict[str, dict[str, Any]] = {
    "near": {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$"},
    "radius_km": {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(km|mi|m)?\s*$"},
    "size": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE_SIZE},
    "cursor": {"type": "string", "maxLength": MAX_CURSOR_CHARS},
    "start_date_from": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
    "start_date_to": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
}
_EXTRA_HELP: dict[str, str] = {
    "near": "A point as `LAT,LON` in decimal degrees: with it, each hit carries its "
    "nearest site and the distance to it.",
    "radius_km": "Keep trials with a site within this distance of `near`: a number of "
    "kilometres, or with a unit: `50mi`, `80km`, `500m`.",
    "size": f"Hits per page, 0 to {MAX_PAGE_SIZE} (0 gives totals and facets only).",
    "cursor": "Opaque `next_cursor` from the previous page of the same search.",
    "facets": "Facets to count (repeat or comma-separate); `facets=` counts none. Default: all.",
    "min_age": "Years. Keeps trials whose age range overlaps [min_age, max_age]; a trial "
    "with no stated bound is open on that side.",
    "max_age": "Years; see min_age.",
    "has_results": "Only trials with (true) or without (false) posted results.",
    "q": "Free text over titles, summaries, conditions, interventions, sponsors and "
    "criteria; never parsed as query syntax.",
}


def _field_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one model field, without the ``null`` branch."""
    full = SearchRequest.model_json_schema()
    schema = dict(full["properties"][name])
    for branch in schema.pop("anyOf", []):
        if branch.get("type") != "null":
            schema.update(branch)
    ref = schema.pop("$ref", None)
    if ref:
        schema.update(full["$defs"][ref.rsplit("/", 1)[-1]])
    for key in ("title", "description", "default", "additionalProperties"):
        schema.pop(key, None)
    if name == "facets":
        schema["items"] = {"type": "string", "enum": list(FACETS)}
    schema.update(_OVERRIDES.get(name, {}))
    if schema.get("type") == "string" and "maxLength" not in schema:
        schema["maxLength"] = MAX_VALUE_CHARS
    default = SearchRequest.model_fields[name].default
    if isinstance(default, str | int | float | bool):
        schema["default"] = getattr(default, "value", default)
    return schema


def search_parameters(exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """OpenAPI parameter objects for the search query string."""
    skip = set(exclude)
    params: list[dict[str, Any]] = []
    for name in SEARCH_FIELDS:
        if name in skip:
            continue
        info = SearchRequest.model_fields[name]
        help_text = _EXTRA_HELP.get(name) or info.description or name.replace("_", " ")
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": False,
            "description": help_text,
            "schema": _field_schema(name),
        }
        if name in REPEATABLE:
            param.update(style="form", explode=True)
        if name in _EXAMPLES:
            param["example"] = _EXAMPLES[name]
        params.append(param)
    for facet in FACETS:
        if facet in skip:
            continue
        spec = facet_spec(facet)
        item: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_CHARS}
        if spec.enum_values:
            item["enum"] = list(spec.enum_values)
        params.append(
            {
                "name": facet,
                "in": "query",
                "required": False,
                "description": f"Filter on `{spec.path}`; repeat for several values (any of "
                "them matches). Facets combine with AND.",
                "schema": {"type": "array", "items": item, "maxItems": MAX_VALUES_PER_FILTER},
                "style": "form",
                "explode": True,
            }
        )
    return params


def reject_unknown(items: Sequence[tuple[str, str]], allowed: Iterable[str]) -> None:
    """400 for a query parameter the endpoint does not take."""
    try:
        query_params.reject_unknown(items, allowed)
    except SearchRequestError as exc:
        raise search_request_problem(exc, PARAMETER_NAMES) from None


def parse_search(
    items: Sequence[tuple[str, str]],
    *,
    ignore: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> SearchRequest:
    """A `SearchRequest` from query-string pairs (`index.query_params.parse_params`), or
    an `ApiProblem` naming each bad parameter."""
    try:
        return query_params.parse_params(items, ignore=ignore, exclude=exclude)
    except SearchRequestError as exc:
        raise search_request_problem(exc, PARAMETER_NAMES) from None


def bad_request(parameter: str, detail: str) -> ApiProblem:
    return invalid_parameters([parameter_problem(parameter, detail)])
