"""Search parameters as ``name=value`` pairs (a URL's query string, the CLI's
options) into a `SearchRequest`: the one parser the API and the CLI share.

Every `SearchRequest` field except ``filters`` is a parameter of the same
name; every facet name is a repeatable filter parameter
(``phase=PHASE2&phase=PHASE3``); ``facets`` may be repeated or
comma-separated, and ``facets=`` (empty) counts none. Beyond what the model
checks itself:

* a name that is neither is refused;
* a page size over `MAX_PAGE_SIZE` is an error, not silently capped;
* each single-valued parameter comes once; only ``q`` may be empty;
* a value is at most `MAX_VALUE_CHARS` long (a cursor `MAX_CURSOR_CHARS`),
  a filter takes at most `MAX_VALUES_PER_FILTER` values, and a radius is at
  most half the Earth's circumference.

Every problem is reported at once in one `SearchRequestError`: each text
starts with the parameter it is about, and ``parameters`` names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from index.errors import SearchRequestError
from index.search_models import FACETS, MAX_PAGE_SIZE, SearchRequest, normalise_filter

Pairs = Sequence[tuple[str, str]]

# The model fields a parameter can set; ``filters`` arrives as facet names.
SEARCH_FIELDS: tuple[str, ...] = tuple(n for n in SearchRequest.model_fields if n != "filters")
REPEATABLE: frozenset[str] = frozenset({"facets", *FACETS})
PARAMETER_NAMES: list[str] = [*SEARCH_FIELDS, *FACETS]

# Free text may be empty (no text); any other empty value is a caller's mistake.
_MAY_BE_EMPTY = frozenset({"q"})
MAX_CURSOR_CHARS = 2000
MAX_VALUE_CHARS = 500
MAX_VALUES_PER_FILTER = 50
# Half the Earth's circumference: any larger radius is the whole planet.
MAX_RADIUS_KM = 20_040.0

Problem = tuple[str | None, str]


def reject_unknown(items: Pairs, allowed: Iterable[str]) -> None:
    """Refuse every parameter not in ``allowed``, listing what is."""
    known = set(allowed)
    taken = ", ".join(sorted(known)) or "no query parameters"
    problems = [
        _problem(key, f"unknown query parameter {key!r}; this endpoint takes: {taken}")
        for key, _ in items
        if key not in known
    ]
    if problems:
        raise _error(problems)


def parse_params(
    items: Pairs, *, ignore: Iterable[str] = (), exclude: Iterable[str] = ()
) -> SearchRequest:
    """A `SearchRequest` from ``name=value`` pairs, or a `SearchRequestError` naming
    each parameter at fault.

    ``ignore``: names the caller handles itself (skipped here);
    ``exclude``: search fields the caller does not take (refused as unknown).
    """
    skip = set(ignore)
    allowed = (set(PARAMETER_NAMES) - set(exclude)) | skip
    reject_unknown(items, allowed)
    problems: list[Problem] = []
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
        raise _error(problems)
    data["filters"] = filters
    if facets is not None:
        data["facets"] = facets
    try:
        request = SearchRequest.model_validate(data)
    except ValidationError as exc:
        raise _error(_model_problems(exc)) from None
    if request.radius_km is not None and request.radius_km > MAX_RADIUS_KM:
        far = f"{request.radius_km:g} km is more than half the Earth"
        raise _error([_problem("radius_km", far)])
    return request


def guess_parameter(message: str, names: Iterable[str]) -> str | None:
    """The parameter a message is about: the earliest known name it mentions."""
    best: tuple[int, str] | None = None
    lowered = message.lower()
    for name in names:
        for form in {name, name.removesuffix("_km")}:
            at = lowered.find(form)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, name)
    return best[1] if best else None


def _check_size(data: dict[str, Any]) -> list[Problem]:
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


def _model_problems(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        message = err["msg"].removeprefix("Value error, ")
        if loc:
            shown = repr(err.get("input"))
            if len(shown) > 60:
                shown = shown[:57] + "..."
            problems.append(_problem(loc[0], f"{message} (got {shown})"))
        else:  # a rule across fields: name the first parameter it mentions
            problems.append(_problem(guess_parameter(message, PARAMETER_NAMES), message))
    return problems


def _problem(parameter: str | None, detail: str) -> Problem:
    """The problem's text starts with its parameter (a filter's own "filter NAME:" counts)."""
    if parameter is None or detail.startswith((parameter, f"filter {parameter}:")):
        return parameter, detail
    return parameter, f"{parameter}: {detail}"


def _error(problems: list[Problem]) -> SearchRequestError:
    return SearchRequestError(
        [detail for _, detail in problems], parameters=[name for name, _ in problems]
    )


__all__ = [
    "MAX_CURSOR_CHARS",
    "MAX_RADIUS_KM",
    "MAX_VALUES_PER_FILTER",
    "MAX_VALUE_CHARS",
    "PARAMETER_NAMES",
    "REPEATABLE",
    "SEARCH_FIELDS",
    "guess_parameter",
    "parse_params",
    "reject_unknown",
]
