"""The search semantics in plain Python, for checking both backends against one truth.

Covers everything but free text: facet selections (OR within, AND across),
dates, has_results, age overlap, distance, and multi-select facet counts; and
the coverage of key fields per source.
"""

from __future__ import annotations

from collections import Counter

from index.coverage import SourceCoverage
from index.fields import values_at
from index.geo import haversine_km
from index.search_models import FACETS, SearchRequest, date_bound
from parsers.records import TrialRecord


def facet_values(record: TrialRecord, name: str) -> set[str]:
    return {str(v) for v in values_at(record.to_dict(), FACETS[name])}


def matches_base(record: TrialRecord, request: SearchRequest) -> bool:
    if request.has_results is not None and record.has_results is not request.has_results:
        return False
    start = date_bound(record.dates.start, upper=False) if record.dates.start else None
    if request.start_date_from and (start is None or start < request.start_from):
        return False
    if request.start_date_to and (start is None or start > request.start_to):
        return False
    low, high = record.eligibility.min_age_years, record.eligibility.max_age_years
    if request.max_age is not None and low is not None and low > request.max_age:
        return False
    if request.min_age is not None and high is not None and high < request.min_age:
        return False
    if request.near is not None and request.radius_km is not None:
        point = request.near
        distances = [
            haversine_km(point.lat, point.lon, s.geo.lat, s.geo.lon)
            for s in record.sites
            if s.geo is not None
        ]
        if not distances or min(distances) > request.radius_km:
            return False
    return True


def matches_selection(record: TrialRecord, request: SearchRequest, skip: str | None = None) -> bool:
    return all(
        facet_values(record, name) & set(values)
        for name, values in request.filters.items()
        if name != skip
    )


def expected_ids(records: list[TrialRecord], request: SearchRequest) -> set[str]:
    return {r.id for r in records if matches_base(r, request) and matches_selection(r, request)}


def expected_facets(
    records: list[TrialRecord], request: SearchRequest
) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for name in request.facet_names():
        counts: Counter[str] = Counter()
        for record in records:
            if matches_base(record, request) and matches_selection(record, request, skip=name):
                counts.update(facet_values(record, name))
        ordered = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0].encode()))
        out[name] = ordered[: request.facet_size]
    return out


def expected_coverage(records: list[TrialRecord]) -> dict[str, SourceCoverage]:
    """Per source: how many records, and how many have each coverage field."""
    out: dict[str, SourceCoverage] = {}
    for r in records:
        have = {
            "title": bool(r.title),
            "status": r.status is not None,
            "phases": bool(r.phases),
            "sponsor": r.sponsor is not None and bool(r.sponsor.name),
            "criteria": bool(r.eligibility.inclusion or r.eligibility.exclusion),
            "sites": bool(r.sites) or bool(r.site_count),
        }
        one = SourceCoverage(1, {name: int(value) for name, value in have.items()})
        name = r.source.name
        out[name] = out[name].plus(one) if name in out else one
    return out
