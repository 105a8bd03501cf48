"""Elasticsearch request bodies for a `SearchRequest`: pure functions, dict in, dict out.

Faceting follows the multi-select pattern: the hits search holds the free
text, the other filters and every facet selection in its query, so hits and
total honour them. Facet counts are separate size-0 searches in the same
`_msearch` (`facet_searches`): one for the facets without a selection, under
every selection, and one per selected facet under the *other* facets'
selections, so its own unselected values keep their counts. Each asks for the
shard request cache, which serves a repeat from memory. Facet fields are
keywords of the trial's one document (site fields as multi-valued arrays), so
a trial counts once per distinct value.

Free text is never handed to a query parser: it becomes `multi_match` clauses
(every word required, in any searched field), one per synonym group a phrase
in it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from index.es_mapping import ALL_TEXT, facet_field
from index.search_models import FACETS, SearchRequest, SortBy
from index.text import BOOSTS, HIGHLIGHT_FIELDS, query_clauses

MARK = ("<mark>", "</mark>")


def search_fields() -> list[str]:
    return [f"{path}^{weight:g}" for path, weight in BOOSTS.items()] + [ALL_TEXT]


def text_query(q: str | None, *, expand_synonyms: bool) -> dict[str, Any] | None:
    """The scoring part of the query, or None when there is no searchable text."""
    clauses = query_clauses(q, expand_synonyms=expand_synonyms) if q else []
    if not clauses:
        return None
    fields = search_fields()
    words = [c.alternatives[0][0] for c in clauses if not c.is_synonym]
    must: list[dict[str, Any]] = []
    if words:
        must.append(
            {
                "multi_match": {
                    "query": " ".join(words),
                    "fields": fields,
                    "type": "cross_fields",
                    "operator": "and",
                }
            }
        )
    for clause in clauses:
        if clause.is_synonym:
            must.append(
                {
                    "bool": {
                        "should": [
                            {
                                "multi_match": {
                                    "query": " ".join(alt),
                                    "fields": fields,
                                    "type": "phrase",
                                }
                            }
                            for alt in clause.alternatives
                        ],
                        "minimum_should_match": 1,
                    }
                }
            )
    return must[0] if len(must) == 1 else {"bool": {"must": must}}


def _missing(field: str) -> dict[str, Any]:
    return {"bool": {"must_not": [{"exists": {"field": field}}]}}


def base_filters(request: SearchRequest) -> list[dict[str, Any]]:
    """Filters that are not facets: dates, results, age overlap, distance."""
    filters: list[dict[str, Any]] = []
    if request.has_results is not None:
        filters.append({"term": {"has_results": request.has_results}})
    if request.start_date_from or request.start_date_to:
        bounds: dict[str, Any] = {"format": "yyyy-MM-dd"}
        if request.start_date_from:
            bounds["gte"] = request.start_from
        if request.start_date_to:
            bounds["lte"] = request.start_to
        filters.append({"range": {"dates.start": bounds}})
    # Overlap of [trial min, trial max] with [request min, request max]; a
    # missing bound on the trial is open, so such trials are kept.
    if request.max_age is not None:
        field = "eligibility.min_age_years"
        filters.append(
            {
                "bool": {
                    "should": [{"range": {field: {"lte": request.max_age}}}, _missing(field)],
                    "minimum_should_match": 1,
                }
            }
        )
    if request.min_age is not None:
        field = "eligibility.max_age_years"
        filters.append(
            {
                "bool": {
                    "should": [{"range": {field: {"gte": request.min_age}}}, _missing(field)],
                    "minimum_should_match": 1,
                }
            }
        )
    if request.near is not None and request.radius_km is not None:
        # sites.geo holds every site's point (a multi-valued field), so
        # this matches a trial with any site inside the circle.
        filters.append(
            {
                "geo_distance": {
                    "distance": f"{request.radius_km:g}km",
                    "distance_type": "arc",
                    "sites.geo": {"lat": request.near.lat, "lon": request.near.lon},
                }
            }
        )
    return filters


def facet_filter(name: str, values: list[str]) -> dict[str, Any]:
    return {"terms": {facet_field(name): list(values)}}


def selection_filters(request: SearchRequest, skip: str | None = None) -> list[dict[str, Any]]:
    return [
        facet_filter(name, values)
        for name, values in request.filters.items()
        if name != skip and values
    ]


def terms_agg(name: str, size: int) -> dict[str, Any]:
    return {
        "terms": {
            "field": facet_field(name),
            "size": size,
            "order": [{"_count": "desc"}, {"_key": "asc"}],
        }
    }


@dataclass(frozen=True)
class FacetSearch:
    """One size-0 search of the facets part: which facets it counts, and its body.

    ``counts_total`` marks the search whose hit count is the result set's total
    (its query holds every selection, exactly what the hits search matches).
    """

    names: tuple[str, ...]
    body: dict[str, Any]
    counts_total: bool = False


def _counting_query(
    request: SearchRequest, text: dict[str, Any] | None, selections: list[dict[str, Any]]
) -> dict[str, Any]:
    """Everything in filter context: counting needs no scores, and unscored
    clauses are cheaper and cacheable."""
    clauses = ([text] if text else []) + base_filters(request) + selections
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def facet_searches(request: SearchRequest, *, expand_synonyms: bool) -> list[FacetSearch]:
    """The facet counts as separate size-0 searches (none when no facet is asked for).

    Facets without a selection share one search whose query holds every
    selection; it also counts the total. Each selected facet gets its own search
    with the *other* facets' selections in its query. Putting the selections in
    each search's query (rather than in filter aggregations under one broad
    query) means only matching trials are visited, and each search is its own
    entry in the shard request cache: toggling a value of one facet reuses the
    cached counts of the searches it does not change.
    """
    names = request.facet_names()
    if not names:
        return []
    text = text_query(request.q, expand_synonyms=expand_synonyms)
    searches: list[FacetSearch] = []
    shared = [n for n in names if not request.selected(n)]
    if shared:
        body = {
            "query": _counting_query(request, text, selection_filters(request)),
            "size": 0,
            "track_total_hits": True,
            "aggs": {n: terms_agg(n, request.facet_size) for n in shared},
        }
        searches.append(FacetSearch(tuple(shared), body, counts_total=True))
    for name in names:
        if request.selected(name):
            body = {
                "query": _counting_query(request, text, selection_filters(request, skip=name)),
                "size": 0,
                "track_total_hits": False,
                "aggs": {name: terms_agg(name, request.facet_size)},
            }
            searches.append(FacetSearch((name,), body))
    return searches


def count_query(request: SearchRequest, *, expand_synonyms: bool) -> dict[str, Any]:
    """What the total counts: the query and every selection (for `_count`)."""
    text = text_query(request.q, expand_synonyms=expand_synonyms)
    return _counting_query(request, text, selection_filters(request))


def scored(request: SearchRequest) -> bool:
    """Whether hits have scores to rank by: only free text gives any."""
    return bool(request.q) and bool(query_clauses(request.q or ""))


def sort_clause(request: SearchRequest) -> list[dict[str, Any]]:
    """The hits order. Relevance without free text is the ``id`` order alone:
    every hit scores the same, and a sort on one indexed keyword lets the
    search skip hits that cannot make the page (with ``_score`` first it
    cannot)."""
    tiebreak = {"id": "asc"}
    if request.sort == SortBy.START_DATE:
        return [{"dates.start": {"order": "desc", "missing": "_last"}}, tiebreak]
    if request.sort == SortBy.DISTANCE:
        assert request.near is not None
        return [
            {
                # In metres, ascending, from one point: Elasticsearch then
                # uses Lucene's distance sort, which skips trials outside the
                # page's bounding box (in km it computes every distance:
                # 6 ms against 1 ms here, 250 ms against 11 ms without text).
                "_geo_distance": {
                    "sites.geo": {"lat": request.near.lat, "lon": request.near.lon},
                    "order": "asc",
                    "unit": "m",
                    "mode": "min",
                    "distance_type": "arc",
                    "ignore_unmapped": True,
                }
            },
            tiebreak,
        ]
    if not scored(request):
        return [tiebreak]
    return [{"_score": "desc"}, tiebreak]


def highlight(q: str, *, expand_synonyms: bool) -> dict[str, Any]:
    """Marks every word of the query (and of its synonyms) in the highlighted fields.

    The ``highlight_query`` is a plain match on those fields only: extracting
    terms from the scoring query (cross-field over every searched field and the
    catch-all) costs the highlighter more than the search itself.
    """
    words = dict.fromkeys(
        word
        for clause in query_clauses(q, expand_synonyms=expand_synonyms)
        for alternative in clause.alternatives
        for word in alternative
    )
    whole = {"number_of_fragments": 0}
    fields: dict[str, Any] = {name: dict(whole) for name in HIGHLIGHT_FIELDS}
    fields["summary"] = {"fragment_size": 160, "number_of_fragments": 2}
    return {
        "pre_tags": [MARK[0]],
        "post_tags": [MARK[1]],
        "require_field_match": False,
        "highlight_query": {
            "multi_match": {"query": " ".join(words), "fields": list(HIGHLIGHT_FIELDS)}
        },
        "fields": fields,
    }


def _query(request: SearchRequest, text: dict[str, Any] | None) -> dict[str, Any]:
    query: dict[str, Any] = {"bool": {"must": [text] if text else [{"match_all": {}}]}}
    filters = base_filters(request) + selection_filters(request)
    if filters:
        query["bool"]["filter"] = filters
    return query


def search_body(
    request: SearchRequest,
    *,
    expand_synonyms: bool,
    search_after: list[Any] | None = None,
    track_total: bool = True,
) -> dict[str, Any]:
    """The hits search: query, filters and facet selections (in filter context:
    they do not change scores), sort, page and highlights; no aggregations
    (`facet_searches` count them, so nothing needs a ``post_filter``, which
    would score every match before filtering). One hit more than
    the page is asked for, to know whether there is a next page. Without
    ``track_total`` the search may skip non-competitive hits (block-max WAND,
    sort shortcuts); a facet search counts the total instead."""
    text = text_query(request.q, expand_synonyms=expand_synonyms)
    body: dict[str, Any] = {
        "query": _query(request, text),
        "size": request.size + 1 if request.size else 0,
        "track_total_hits": track_total,
        "sort": sort_clause(request),
    }
    if text and request.size and request.q:
        body["highlight"] = highlight(request.q, expand_synonyms=expand_synonyms)
    if search_after is not None:
        body["search_after"] = search_after
    return body


def msearch_body(
    request: SearchRequest,
    *,
    index: str,
    expand_synonyms: bool,
    search_after: list[Any] | None = None,
    timeout: str | None = None,
    facets: list[FacetSearch] | None = None,
) -> list[dict[str, Any]]:
    """One `_msearch` round trip: header and body of the hits search, then of each
    facet search (``facets``, default `facet_searches`), whose headers ask for
    the shard request cache (where `_msearch` takes it): a size-0 body is its own
    cache key, and a cursor does not change it, so every page of one query
    shares the cached counts."""
    if facets is None:
        facets = facet_searches(request, expand_synonyms=expand_synonyms)
    searches: list[dict[str, Any]] = []
    if hits_search_needed(request, facets):
        hits = search_body(
            request,
            expand_synonyms=expand_synonyms,
            search_after=search_after,
            track_total=not any(f.counts_total for f in facets),
        )
        searches += [{"index": index}, hits]
    for facet_search in facets:
        searches += [{"index": index, "request_cache": True}, dict(facet_search.body)]
    if timeout is not None:
        for body in searches[1::2]:
            body["timeout"] = timeout
    return searches


def hits_search_needed(request: SearchRequest, facets: list[FacetSearch]) -> bool:
    """Whether `msearch_body` starts with a hits search: not when no hit is asked
    for and a facet search counts the total."""
    return bool(request.size) or not any(f.counts_total for f in facets)


def suggest_body(field: str, prefix: str, size: int) -> dict[str, Any]:
    """Facet values with a word starting with ``prefix`` (case-insensitive), by count."""
    letters = "".join(
        f"[{ch.lower()}{ch.upper()}]" if ch.lower() != ch.upper() else _regex_escape(ch)
        for ch in prefix
    )
    return {
        "size": 0,
        "aggs": {
            "values": {
                "terms": {
                    "field": facet_field(field),
                    "size": size,
                    "include": f"({letters}.*)|(.* {letters}.*)",
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
        },
    }


_REGEX_SPECIAL = set('.?+*|{}[]()"\\#@&<>~^$')


def _regex_escape(ch: str) -> str:
    return "\\" + ch if ch in _REGEX_SPECIAL else ch


__all__ = [
    "FACETS",
    "FacetSearch",
    "base_filters",
    "count_query",
    "facet_searches",
    "hits_search_needed",
    "msearch_body",
    "scored",
    "search_body",
    "sort_clause",
    "suggest_body",
    "text_query",
]
