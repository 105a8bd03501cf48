"""Offline place lookup: cities, US ZIP codes, coordinates, and clear errors."""

from __future__ import annotations

import pytest

from api.geocode import UnknownPlaceError, lookup


@pytest.mark.parametrize(
    ("typed", "label", "lat", "lon"),
    [
        ("10021", "10021 (New York, NY)", 40.77, -73.96),
        ("02215-1234", "02215 (Boston, MA)", 42.35, -71.10),
        ("Boston", "Boston, MA", 42.36, -71.06),  # the largest Boston wins
        ("boston, uk", "Boston, United Kingdom", 52.98, -0.03),
        ("Lyon, France", "Lyon, France", 45.75, 4.85),
        ("Sao Paulo", "São Paulo, Brazil", -23.55, -46.64),
        ("Munich", "Munich, Germany", 48.14, 11.58),
        ("Atlanta, Georgia", "Atlanta, GA", 33.75, -84.39),
        ("Tbilisi, Georgia", "Tbilisi, Georgia", 41.69, 44.83),
        ("Rochester, MN", "Rochester, MN", 44.02, -92.47),
        ("42.36, -71.06", "42.3600, -71.0600", 42.36, -71.06),
    ],
)
def test_places_resolve_offline(typed: str, label: str, lat: float, lon: float) -> None:
    place = lookup(typed)
    assert place.label == label
    assert place.lat == pytest.approx(lat, abs=0.05)
    assert place.lon == pytest.approx(lon, abs=0.05)
    assert place.near == f"{place.lat:.5f},{place.lon:.5f}"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("Xyzzyville", "no city named 'Xyzzyville'"),
        ("99999", "no US ZIP code 99999"),
        ("Boston, Narnia", "'Narnia' is neither a country nor a US state"),
        ("   ", "empty"),
        ("91, 10", "latitude must be -90..90"),
        ("x" * 200, "longer than 120 characters"),
    ],
)
def test_unknown_places_say_why(typed: str, reason: str) -> None:
    with pytest.raises(UnknownPlaceError) as info:
        lookup(typed)
    assert reason in str(info.value)
    assert str(info.value).startswith("unknown place ")
