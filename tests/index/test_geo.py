"""Nearest site over stored JSON: the same winner and distance as over models."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from index.geo import haversine_km, nearest_site, nearest_site_json
from parsers.records import GeoPoint, Site

latitudes = st.floats(min_value=-89.9, max_value=89.9)
longitudes = st.floats(min_value=-180, max_value=180)


def _sites(points: list[tuple[float, float] | None]) -> list[Site]:
    return [
        Site(facility=f"site {i}", geo=None if p is None else GeoPoint(lat=p[0], lon=p[1]))
        for i, p in enumerate(points)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.tuples(latitudes, longitudes)), max_size=40),
    latitudes,
    longitudes,
)
def test_json_and_model_agree(
    points: list[tuple[float, float] | None], lat: float, lon: float
) -> None:
    sites = _sites(points)
    here = GeoPoint(lat=lat, lon=lon)
    dumped = [s.model_dump(mode="json", by_alias=True) for s in sites]
    expected = nearest_site(sites, here)
    found = nearest_site_json(dumped, here)
    if expected is None:
        assert found is None
        return
    assert found is not None
    assert found[1] == expected[1] or abs(found[1] - expected[1]) < 1e-9
    # With the radius the search used, the answer is the same.
    within = nearest_site_json(dumped, here, within_km=expected[1] + 0.5)
    assert within is not None and within[1] == found[1]


def test_a_radius_that_does_not_hold_still_finds_the_nearest() -> None:
    rng = random.Random(3)
    points = [(rng.uniform(-60, 60), rng.uniform(-180, 180)) for _ in range(300)]
    dumped = [s.model_dump(mode="json", by_alias=True) for s in _sites(list(points))]
    here = GeoPoint(lat=10, lon=10)
    nearest = min(haversine_km(10, 10, a, b) for a, b in points)
    for radius in (None, nearest + 1, nearest / 10):  # the last one is too small
        found = nearest_site_json(dumped, here, within_km=radius)
        assert found is not None and abs(found[1] - nearest) < 1e-9
