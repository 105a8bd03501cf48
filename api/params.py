"""Query parameters of the search endpoints, derived from `SearchRequest` and `FACETS`.

Every `SearchRequest` field except ``filters`` is a query parameter of the same
name; every facet name is a repeatable filter parameter
(``?phase=PHASE2&phase=PHASE3``). The OpenAPI description of the parameters
and their validation both come from the index's models, so there is no second
field list here: only the few API rules the model does not state itself (a
page size over the cap is an error rather than silently capped, each
single-valued parameter once, unknown names refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from api.problems import ApiProblem, ParameterProblem, guess_parameter, invalid_parameters
from index.search_models import (
    FACETS,
    MAX_PAGE_SIZE,
    SearchRequest,
    facet_spec,
    normalise_filter,
)

# The model fields a query string can set; ``filters`` arrives as facet names.
SEARCH_FIELDS: tuple[str, ...] = tuple(n for n in SearchRequest.model_fields if n != "filters")
REPEATABLE: frozenset[str] = frozenset({"facets", *FACETS})
PARAMETER_NAMES: list[str] = [*SEARCH_FIELDS, *FACETS]

# Free text may be empty (no text); any other empty value is a client mistake.
_MAY_BE_EMPTY = frozenset({"q"})
MAX_CURSOR_CHARS = 2000
MAX_VALUE_CHARS = 500
MAX_VALUES_PER_FILTER = 50
# Half the Earth's circumference: any larger radius is the whole planet.
MAX_RADIUS_KM = 20_040.0

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
    known = set(allowed)
    problems = [
        ParameterProblem(
            parameter=key,
            detail=f"unknown query parameter {key!r}; this endpoint takes: "
            + (", ".join(sorted(known)) or "no query parameters"),
        )
        for key, _ in items
        if key not in known
    ]
    if problems:
        raise invalid_parameters(problems)


def parse_search(
    items: Sequence[tuple[str, str]],
    *,
    ignore: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> SearchRequest:
    """A `SearchRequest` from query-string pairs, or an `ApiProblem` naming each bad parameter.

    ``ignore``: names the caller handles itself (skipped here);
    ``exclude``: search fields this endpoint does not take (refused as unknown).
    """
    skip = set(ignore)
    refused = set(exclude)
    allowed = (set(PARAMETER_NAMES) - refused) | skip
    reject_unknown(items, allowed)
    problems: list[ParameterProblem] = []
    data: dict[str, Any] = {}
    filters: dict[str, list[str]] = {}
    facets: list[str] | None = None
    seen: set[str] = set()
    for key, value in items:
        if key in skip:
            continue
        if key not in REPEATABLE:
            if key in seen:
                problems.append(_problem(key, "given more than once; it takes one value"))
                continue
            seen.add(key)
        limit = MAX_CURSOR_CHARS if key == "cursor" else MAX_VALUE_CHARS
        if len(value) > limit:
            problems.append(_problem(key, f"longer than {limit} characters"))
        elif key in FACETS:
            filters.setdefault(key, []).append(value)
        elif key == "facets":
            facets = (facets or []) + [v.strip() for v in value.split(",") if v.strip()]
        elif value == "" and key not in _MAY_BE_EMPTY:
            problems.append(_problem(key, "empty value; leave the parameter out instead"))
        else:
            data[key] = value
    problems.extend(_check_size(data))
    for name, values in filters.items():
        if len(values) > MAX_VALUES_PER_FILTER:
            problems.append(_problem(name, f"more than {MAX_VALUES_PER_FILTER} values"))
            continue
        try:
            normalise_filter(name, values)
        except ValueError as exc:
            problems.append(_problem(name, str(exc)))
    if problems:
        raise invalid_parameters(problems)
    data["filters"] = filters
    if facets is not None:
        data["facets"] = facets
    try:
        request = SearchRequest.model_validate(data)
    except ValidationError as exc:
        raise invalid_parameters(_model_problems(exc)) from None
    if request.radius_km is not None and request.radius_km > MAX_RADIUS_KM:
        raise invalid_parameters(
            [_problem("radius_km", f"{request.radius_km:g} km is more than half the Earth")]
        )
    return request


def _check_size(data: dict[str, Any]) -> list[ParameterProblem]:
    raw = data.get("size")
    if raw is None:
        return []
    try:
        size = int(raw)
    except ValueError:
        return [_problem("size", f"expected a whole number 0..{MAX_PAGE_SIZE}, got {raw!r}")]
    if size > MAX_PAGE_SIZE:
        return [_problem("size", f"{size} is over the maximum page size of {MAX_PAGE_SIZE}")]
    return []


def _model_problems(exc: ValidationError) -> list[ParameterProblem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        message = err["msg"].removeprefix("Value error, ")
        if loc:
            parameter = loc[0]
            shown = repr(err.get("input"))
            if len(shown) > 60:
                shown = shown[:57] + "..."
            problems.append(_problem(parameter, f"{message} (got {shown})"))
        else:  # a rule across fields: name the first parameter it mentions
            problems.append(
                ParameterProblem(
                    parameter=guess_parameter(message, PARAMETER_NAMES), detail=message
                )
            )
    return problems


def _problem(parameter: str, detail: str) -> ParameterProblem:
    detail = detail.removeprefix(f"filter {parameter}: ")
    text = detail if detail.startswith(parameter) else f"{parameter}: {detail}"
    return ParameterProblem(parameter=parameter, detail=text)


def bad_request(parameter: str, detail: str) -> ApiProblem:
    return invalid_parameters([_problem(parameter, detail)])
