"""The search contract: one request model and one response model for every backend.

`FACETS` is the single table of facets (name -> record field path), derived
from the `IndexAs` markers of `TrialRecord` (`facet="name"`) in the order of
`FACET_ORDER`; the filters a request accepts, how their values are
normalised, the facet counts a response carries, the Elasticsearch
aggregations and the SQLite facet rows are all derived from it and from the
markers.

Filters are multi-select: values within one facet are OR-ed, facets are
AND-ed. Age filters keep trials whose age range overlaps the requested one
(a missing bound on either side is open). Bad input raises
`SearchRequestError` from :meth:`SearchRequest.parse`, or pydantic's
``ValidationError`` when the model is built directly.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from index.errors import SearchRequestError
from index.fields import FieldSpec, field, record_fields
from parsers.records import GeoPoint, Site, TrialRecord

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
DEFAULT_FACET_SIZE = 10
MAX_FACET_SIZE = 1000
MAX_QUERY_CHARS = 500

# The facets in the order requests count and responses list them by default.
# Which field each one is, is the record's marker (`IndexAs.facet`); this
# list only orders them, and `_facet_table` holds it to the markers both ways.
FACET_ORDER: tuple[str, ...] = (
    "phase",
    "status",
    "study_type",
    "sponsor",
    "sponsor_class",
    "condition",
    "intervention",
    "intervention_type",
    "country",
    "state",
    "city",
    "sex",
    "source",
)


def _facet_table() -> dict[str, str]:
    marked = {s.index_as.facet: s.path for s in record_fields() if s.index_as.facet}
    if set(marked) != set(FACET_ORDER):
        raise AssertionError(
            f"facets marked in records.py {sorted(marked)} differ from FACET_ORDER "
            f"{sorted(FACET_ORDER)}"
        )
    return {name: marked[name] for name in FACET_ORDER}


# name -> record field path: the one facet table, derived from the markers.
FACETS: dict[str, str] = _facet_table()

# Facets whose values feed autocomplete (`IndexAs.suggest`).
SUGGEST_FACETS: tuple[str, ...] = tuple(
    name for name, path in FACETS.items() if field(path).index_as.suggest
)


def facet_spec(name: str) -> FieldSpec:
    """The record field behind a facet."""
    return field(FACETS[name])


class SortBy(StrEnum):
    RELEVANCE = "relevance"
    START_DATE = "start_date"  # newest first, trials without a start date last
    DISTANCE = "distance"  # nearest site first; needs `near`


_RADIUS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|mi|m|miles?|kilometers?|kilometres?)?\s*$", re.I)
_KM_PER_UNIT = {"km": 1.0, "m": 0.001, "mi": 1.609344}


def parse_radius(text: str | float | int) -> float:
    """Kilometres from ``"50mi"``, ``"80km"``, ``"500m"`` or a bare number (km)."""
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _RADIUS.match(text)
        if not match:
            raise ValueError(f"radius {text!r}: expected a number with km, mi or m, e.g. '50mi'")
        unit = (match.group(2) or "km").lower()
        unit = "mi" if unit.startswith("mi") else "km" if unit.startswith("k") else unit
        value = float(match.group(1)) * _KM_PER_UNIT[unit]
    if not value > 0:
        raise ValueError(f"radius {text!r}: must be positive")
    return value


def parse_point(text: str | GeoPoint | Mapping[str, Any] | Iterable[float]) -> GeoPoint:
    """A point from ``"lat,lon"``, ``{"lat": .., "lon": ..}`` or ``(lat, lon)``."""
    if isinstance(text, GeoPoint):
        return text
    if isinstance(text, Mapping):
        return GeoPoint.model_validate(text)
    if isinstance(text, str):
        parts = text.split(",")
        if len(parts) != 2:
            raise ValueError(f"near {text!r}: expected 'LAT,LON', e.g. '42.36,-71.06'")
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            raise ValueError(f"near {text!r}: LAT and LON must be numbers") from None
        return GeoPoint(lat=lat, lon=lon)
    lat, lon = (float(v) for v in text)
    return GeoPoint(lat=lat, lon=lon)


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def date_bound(text: str, *, upper: bool) -> str:
    """A full ``YYYY-MM-DD`` from a partial date: the first day, or the last when ``upper``."""
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise ValueError(f"date {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match.group(1))
    month = int(match.group(2) or (12 if upper else 1))
    if not 1 <= month <= 12:
        raise ValueError(f"date {text!r}: month out of range")
    last = calendar.monthrange(year, month)[1]
    day = int(match.group(3) or (last if upper else 1))
    if not 1 <= day <= last:
        raise ValueError(f"date {text!r}: day out of range")
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalise_filter(name: str, values: Iterable[str]) -> list[str]:
    """Check a facet's selected values; enum facets take any case ("phase2")."""
    if name not in FACETS:
        raise ValueError(f"unknown filter {name!r}; known: {', '.join(FACETS)}")
    spec = facet_spec(name)
    allowed = spec.enum_values
    upper = spec.coded
    out: list[str] = []
    for raw in values:
        value = str(raw).strip()
        if not value:
            raise ValueError(f"filter {name}: empty value")
        if upper:
            value = value.upper()
        if allowed and value not in allowed:
            raise ValueError(f"filter {name}: {raw!r} is not one of {', '.join(allowed)}")
        if value not in out:
            out.append(value)
    return out


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SearchRequest(_Model):
    """What a caller asks of the index."""

    q: str | None = Field(default=None, description="Free text; never parsed as query syntax.")
    filters: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Facet name -> selected values (OR within a facet, AND across facets).",
    )
    start_date_from: str | None = Field(default=None, description="YYYY[-MM[-DD]], inclusive.")
    start_date_to: str | None = Field(default=None, description="YYYY[-MM[-DD]], inclusive.")
    has_results: bool | None = None
    min_age: float | None = Field(default=None, ge=0, le=150, description="Years.")
    max_age: float | None = Field(default=None, ge=0, le=150, description="Years.")
    near: GeoPoint | None = Field(default=None, description="'LAT,LON' or {lat, lon}.")
    radius_km: float | None = Field(default=None, description="Kilometres, or '50mi', '80km'.")
    sort: SortBy = SortBy.RELEVANCE
    size: int = Field(default=DEFAULT_PAGE_SIZE, ge=0, description=f"Capped at {MAX_PAGE_SIZE}.")
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")
    facets: list[str] | None = Field(default=None, description="Facets to count; None = all.")
    facet_size: int = Field(default=DEFAULT_FACET_SIZE, ge=1, le=MAX_FACET_SIZE)

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = re.sub(r"\s+", " ", value).strip()
        if len(value) > MAX_QUERY_CHARS:
            raise ValueError(f"q: longer than {MAX_QUERY_CHARS} characters")
        return value or None

    @field_validator("filters", mode="before")
    @classmethod
    def _filters(cls, value: Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError("filters: expected an object of facet name -> values")
        out: dict[str, list[str]] = {}
        for name, values in value.items():
            listed = [values] if isinstance(values, str) else list(values or [])
            cleaned = normalise_filter(str(name), listed)
            if cleaned:
                out[str(name)] = cleaned
        return out

    @field_validator("start_date_from", "start_date_to")
    @classmethod
    def _dates(cls, value: str | None) -> str | None:
        if value is not None:
            date_bound(value, upper=False)
        return value

    @field_validator("near", mode="before")
    @classmethod
    def _near(cls, value: Any) -> Any:
        return None if value is None or value == "" else parse_point(value)

    @field_validator("radius_km", mode="before")
    @classmethod
    def _radius(cls, value: Any) -> Any:
        return None if value is None or value == "" else parse_radius(value)

    @field_validator("size")
    @classmethod
    def _size(cls, value: int) -> int:
        return min(value, MAX_PAGE_SIZE)

    @field_validator("facets")
    @classmethod
    def _facet_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [name for name in value if name not in FACETS]
        if unknown:
            raise ValueError(f"unknown facet {unknown[0]!r}; known: {', '.join(FACETS)}")
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _consistent(self) -> SearchRequest:
        if self.radius_km is not None and self.near is None:
            raise ValueError("radius needs near=LAT,LON")
        if self.sort == SortBy.DISTANCE and self.near is None:
            raise ValueError("sort=distance needs near=LAT,LON")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is greater than max_age")
        if self.start_date_from and self.start_date_to and self.start_from > self.start_to:
            raise ValueError("start_date_from is after start_date_to")
        return self

    # Derived views used by the backends.

    @property
    def start_from(self) -> str:
        return date_bound(self.start_date_from, upper=False) if self.start_date_from else ""

    @property
    def start_to(self) -> str:
        return date_bound(self.start_date_to, upper=True) if self.start_date_to else ""

    def facet_names(self) -> list[str]:
        return list(FACETS) if self.facets is None else list(self.facets)

    def selected(self, name: str) -> list[str]:
        return self.filters.get(name, [])

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SearchRequest:
        """Validate plain data; problems raise `SearchRequestError` naming each field."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False):
                where = ".".join(str(p) for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{where}: {message}" if where else message)
            raise SearchRequestError(problems) from exc


class Hit(_Model):
    record: TrialRecord
    score: float | None = None
    highlights: dict[str, list[str]] = Field(
        default_factory=dict, description="Field path -> fragments with <mark> around matches."
    )
    nearest_site: Site | None = None
    distance_km: float | None = None


class FacetValue(_Model):
    value: str
    count: int
    selected: bool = False


class Facet(_Model):
    """Shaped like Datasette's facet results."""

    name: str
    truncated: bool = False
    values: list[FacetValue] = Field(default_factory=list)
    timed_out: bool = False


class SearchResponse(_Model):
    total: int
    hits: list[Hit] = Field(default_factory=list)
    facets: list[Facet] = Field(default_factory=list)
    facets_timed_out: list[str] = Field(
        default_factory=list, description="Facets not counted in time (reported, not fatal)."
    )
    next_cursor: str | None = None
    backend: str
    took_ms: float | None = None


def facet_request(name: str, request: SearchRequest | None, size: int) -> SearchRequest:
    """The search that counts one facet's values (``facet_values`` on every backend)."""
    if name not in FACETS:
        raise SearchRequestError(f"unknown facet {name!r}; known: {', '.join(FACETS)}")
    base = request or SearchRequest()
    return base.model_copy(update={"facets": [name], "facet_size": size, "size": 0})


def suggest_prefix(field_name: str, prefix: str) -> str:
    """Check a suggestion field and return the prefix to complete ('' means no suggestions)."""
    if field_name not in SUGGEST_FACETS:
        raise SearchRequestError(
            f"no suggestions for {field_name!r}; try {', '.join(SUGGEST_FACETS)}"
        )
    return prefix.strip()


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FACETS",
    "FACET_ORDER",
    "MAX_PAGE_SIZE",
    "SUGGEST_FACETS",
    "Facet",
    "FacetValue",
    "Hit",
    "SearchRequest",
    "SearchRequestError",
    "SearchResponse",
    "SortBy",
    "date_bound",
    "facet_request",
    "facet_spec",
    "parse_point",
    "parse_radius",
    "suggest_prefix",
]
