"""The search page for researchers: server-rendered HTML over the same backend as the API.

The URL carries the whole search (the API's query parameters, plus ``place``:
a place name or US ZIP code looked up offline into ``near``), so a search can
be bookmarked and shared. Facet values are links that add or remove
themselves from that URL; nothing needs JavaScript.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from api.geocode import Place, UnknownPlaceError, lookup
from api.params import parse_search
from api.problems import ApiProblem, ParameterProblem, Problem
from api.state import BackendHolder
from index.errors import SearchRequestError
from index.query_params import PARAMETER_NAMES
from index.search_models import (
    FACETS,
    FacetValue,
    SearchRequest,
    SearchResponse,
    SortBy,
    facet_spec,
)
from parsers.errors import ConfigurationError, ServiceError
from parsers.records import Site, TrialRecord

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

RADIUS_CHOICES = ("10mi", "25mi", "50mi", "100mi", "250mi", "500mi")
DEFAULT_RADIUS = "100mi"
FACET_LABELS = {name: name.replace("_", " ").capitalize() for name in FACETS}
# How the form names each parameter, for error messages.
PAGE_LABELS = {
    **FACET_LABELS,
    "q": "Search text",
    "min_age": "Participant age from",
    "max_age": "Participant age to",
    "radius_km": "Within",
    "near": "Near",
    "sort": "Sort by",
    "start_date_from": "Started from",
    "start_date_to": "Started by",
    "has_results": "Results posted",
}
# Facets shown on the page, in this order; the rest stay reachable through the API.
PAGE_FACETS = (
    "status",
    "phase",
    "study_type",
    "condition",
    "intervention_type",
    "sponsor_class",
    "sponsor",
    "country",
    "state",
    "sex",
    "source",
)


@dataclass(frozen=True)
class SearchState:
    """The search as URL query pairs, with helpers to build links that change one thing."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def from_request(cls, request: Request) -> SearchState:
        # Empty form fields mean "not set"; keep the URL as short as the search.
        return cls(tuple((k, v) for k, v in request.query_params.multi_items() if v.strip()))

    def get(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.pairs if k == key), default)

    def values(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def has(self, key: str, value: str) -> bool:
        return (key, value) in self.pairs

    def query(self, drop: Iterable[str] = ()) -> str:
        skip = set(drop)
        return urlencode([(k, v) for k, v in self.pairs if k not in skip])

    def link(self, path: str = "/", drop: Iterable[str] = (), **extra: str) -> str:
        skip = {"cursor", *drop, *extra}
        pairs = [(k, v) for k, v in self.pairs if k not in skip]
        pairs.extend((k, v) for k, v in extra.items() if v)
        return path + ("?" + urlencode(pairs) if pairs else "")

    def toggle(self, facet: str, value: str) -> str:
        """The URL with this facet value added, or removed when it is selected."""
        if self.has(facet, value):
            pairs = [(k, v) for k, v in self.pairs if (k, v) != (facet, value) and k != "cursor"]
        else:
            pairs = [(k, v) for k, v in self.pairs if k != "cursor"] + [(facet, value)]
        return "/" + ("?" + urlencode(pairs) if pairs else "")

    def api_pairs(self, place: Place | None) -> list[tuple[str, str]]:
        """The pairs the API takes: ``place`` resolved into ``near``.

        Unknown names (a tracking tag on a shared link) are left out: the page is
        lenient where the API is strict.
        """
        known = set(PARAMETER_NAMES)
        pairs = [(k, v) for k, v in self.pairs if k in known]
        if place is not None and not self.get("near"):
            pairs.append(("near", place.near))
            if not self.get("radius_km") and self.get("sort") != SortBy.DISTANCE.value:
                pairs.append(("radius_km", DEFAULT_RADIUS))
        return pairs

    def export_link(self, place: Place | None) -> str:
        skip = {"cursor", "size", "facets", "facet_size"}
        pairs = [(k, v) for k, v in self.api_pairs(place) if k not in skip]
        return "/v1/export.csv" + ("?" + urlencode(pairs) if pairs else "")


def humanise(value: Any) -> str:
    """'NOT_YET_RECRUITING' -> 'Not yet recruiting', 'PHASE2' -> 'Phase 2'."""
    text = str(value)
    if text == "NA":
        return "Not applicable"
    if not re.fullmatch(r"[A-Z0-9_]+", text):
        return text
    spaced = re.sub(r"(?<=[A-Z])(?=\d)", " ", text.replace("_", " "))
    return spaced.capitalize()


# Facets whose values are codes (PHASE2, INDUSTRY) shown in words; others as written.
CODED_FACETS = frozenset(name for name in FACETS if facet_spec(name).coded)


def facet_value_label(value: str, facet: str) -> str:
    """'PHASE2' under phase is 'Phase 2'; 'NSCLC' under condition stays 'NSCLC'."""
    return humanise(value) if facet in CODED_FACETS else value


def highlight(fragment: str) -> Markup:
    """A backend highlight fragment as safe HTML: everything escaped except <mark>."""
    escaped = str(escape(fragment))
    return Markup(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def sites_by_distance(
    sites: Sequence[Site], near: tuple[float, float] | None
) -> list[tuple[Site, float | None]]:
    """Sites nearest first (those without coordinates last), or in record order."""
    if near is None:
        return [(site, None) for site in sites]
    measured = [
        (site, distance_km(near[0], near[1], site.geo.lat, site.geo.lon) if site.geo else None)
        for site in sites
    ]
    return sorted(measured, key=lambda pair: (pair[1] is None, pair[1] or 0.0))


def reference_links(record: TrialRecord) -> list[tuple[Any, str | None]]:
    """Each reference with the best link known: PubMed, then DOI, then its own URL."""
    out: list[tuple[Any, str | None]] = []
    for ref in record.references:
        if ref.pmid:
            url: str | None = f"https://pubmed.ncbi.nlm.nih.gov/{quote(ref.pmid)}/"
        elif ref.doi:
            url = f"https://doi.org/{quote(ref.doi, safe='/:;()._-')}"
        elif ref.url and ref.url.startswith(("https://", "http://")):
            url = ref.url
        else:
            url = None
        out.append((ref, url))
    return out


def registry_link(registry_id: str) -> str | None:
    if re.fullmatch(r"NCT\d{8}", registry_id):
        return f"https://clinicaltrials.gov/study/{registry_id}"
    return None


def format_km(km: float | None) -> str:
    if km is None:
        return ""
    miles = km / 1.609344
    return f"{km:,.0f} km ({miles:,.0f} mi)" if km >= 10 else f"{km:.1f} km ({miles:.1f} mi)"


templates.env.filters["humanise"] = humanise
templates.env.filters["facet_value"] = facet_value_label
templates.env.filters["highlight"] = highlight
templates.env.filters["km"] = format_km
templates.env.globals["FACET_LABELS"] = FACET_LABELS
templates.env.globals["RADIUS_CHOICES"] = RADIUS_CHOICES
templates.env.globals["registry_link"] = registry_link


def _resolve_place(state: SearchState) -> Place | None:
    typed = state.get("place")
    return lookup(typed) if typed else None


def _holder(request: Request) -> BackendHolder:
    holder: BackendHolder = request.app.state.backend
    return holder


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    state = SearchState.from_request(request)
    context: dict[str, Any] = {
        "state": state,
        "error": None,
        "result": None,
        "place": None,
        "search": None,
        "facets": [],
        "export_link": None,
    }
    status = 200
    try:
        place = _resolve_place(state)
        context["place"] = place
        search = parse_search(state.api_pairs(place), exclude=())
        if search.facets is None:
            search = search.model_copy(update={"facets": list(PAGE_FACETS)})
        context["search"] = search
        result = _holder(request).get().search(search)
        context["result"] = result
        context["facets"] = _page_facets(result, search)
        context["export_link"] = state.export_link(place)
    except UnknownPlaceError as exc:
        context["error"] = f"Place: {exc.reason}."
        status = 400
    except (ServiceError, ConfigurationError) as exc:
        return _unavailable(request, state, exc)
    except ApiProblem as exc:
        context["error"] = _page_error(exc.problem)
        status = exc.problem.status
    except SearchRequestError as exc:  # e.g. a cursor from another search
        context["error"] = "; ".join(exc.problems)
        status = 400
    return templates.TemplateResponse(request, "search.html", context, status_code=status)


def _message(
    request: Request, state: SearchState, heading: str, what: str, status: int
) -> HTMLResponse:
    context = {"state": state, "heading": heading, "what": what}
    return templates.TemplateResponse(request, "message.html", context, status_code=status)


def _unavailable(request: Request, state: SearchState, exc: Exception) -> HTMLResponse:
    log.warning("search backend unavailable: %s", exc)
    what = "The search index is not answering just now. Please try again in a minute."
    return _message(request, state, "Search unavailable", what, 503)


def _page_error(problem: Problem) -> str:
    """The API's problem in the page's words: each parameter by its form label."""
    parts = []
    for error in problem.errors or [ParameterProblem(parameter=None, detail=problem.detail)]:
        detail = error.detail
        if error.parameter:
            detail = detail.removeprefix(f"{error.parameter}: ")
            label = PAGE_LABELS.get(error.parameter, error.parameter)
            detail = f"{label}: {detail}"
        parts.append(detail)
    return "; ".join(parts)


def _page_facets(result: SearchResponse, search: SearchRequest) -> list[Any]:
    """The response's facets in page order, with selected values always listed."""
    by_name = {facet.name: facet for facet in result.facets}
    ordered = []
    for name in search.facet_names():
        facet = by_name.get(name)
        if facet is None:
            continue
        shown = {v.value for v in facet.values}
        missing = [v for v in search.selected(name) if v not in shown]
        if missing:
            extra = [FacetValue(value=v, count=0, selected=True) for v in missing]
            facet = facet.model_copy(update={"values": [*facet.values, *extra]})
        ordered.append(facet)
    return ordered


@router.get("/trials/{id:path}", response_class=HTMLResponse)
def trial_page(request: Request, id: str) -> HTMLResponse:
    state = SearchState.from_request(request)
    place: Place | None = None
    place_error = None
    try:
        place = _resolve_place(state)
    except UnknownPlaceError as exc:
        place_error = f"Place: {exc.reason}."
    near: tuple[float, float] | None = (place.lat, place.lon) if place else None
    if near is None and state.get("near"):
        try:
            lat, lon = (float(p) for p in state.get("near").split(","))
            near = (lat, lon)
        except ValueError:
            place_error = "near: expected LAT,LON"
    try:
        record = _holder(request).get().get(id)
    except (ServiceError, ConfigurationError) as exc:
        return _unavailable(request, state, exc)
    if record is None:
        return _message(request, state, "Not found", f"No trial with id {id!r}.", 404)
    context = {
        "state": state,
        "record": record,
        "place": place,
        "place_error": place_error,
        "sites": sites_by_distance(record.sites, near),
        "references": reference_links(record),
        "back": state.link("/"),
    }
    return templates.TemplateResponse(request, "trial.html", context)
