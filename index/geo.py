"""Great-circle distances, the same on both backends (Elasticsearch's `arc` model)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from parsers.records import GeoPoint, Site

EARTH_RADIUS_KM = 6371.0087714  # Elasticsearch's mean earth radius


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat = p2 - p1
    dlon = math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest_site(sites: list[Site], point: GeoPoint) -> tuple[Site, float] | None:
    """The site closest to ``point`` and its distance in km (sites without geo ignored)."""
    best: tuple[Site, float] | None = None
    for site in sites:
        if site.geo is None:
            continue
        distance = haversine_km(point.lat, point.lon, site.geo.lat, site.geo.lon)
        if best is None or distance < best[1]:
            best = (site, distance)
    return best


def nearest_site_json(
    sites: Iterable[Any], point: GeoPoint, within_km: float | None = None
) -> tuple[Any, float] | None:
    """`nearest_site` over sites as parsed JSON (``{"geo": {"lat", "lon"}, ...}``):
    dicts, or simdjson objects read in place; the winner is returned as given.

    Search answers ask this for every hit of a page, over trials with hundreds
    of sites. When the search had a radius (``within_km``), a site outside its
    band of latitudes cannot be the nearest, so it is passed over without any
    trigonometry; the others are compared by the haversine term alone (it grows
    with the distance), and only the winner's distance is computed.
    """
    if within_km is not None:
        band = math.degrees(within_km / EARTH_RADIUS_KM) + 1e-6
        best = _nearest_in_band(sites, point, band)
        if best is not None:
            distance = _km(point, best)
            if distance <= within_km * 1.001 + 1e-3:
                return best, distance
        # The radius did not hold (no site inside it): look at every site.
    best = _nearest_in_band(sites, point, 180.0)
    return None if best is None else (best, _km(point, best))


def _km(point: GeoPoint, site: Any) -> float:
    return haversine_km(point.lat, point.lon, site["geo"]["lat"], site["geo"]["lon"])


def _nearest_in_band(sites: Iterable[Any], point: GeoPoint, band: float) -> Any:
    sin, cos, rad = math.sin, math.cos, math.radians
    lat0, lon0 = rad(point.lat), rad(point.lon)
    low, high = point.lat - band, point.lat + band
    cos0 = cos(lat0)
    best: Any = None
    best_h = 2.0
    for site in sites:
        geo = site.get("geo")
        if not geo:
            continue
        degrees = geo["lat"]
        if degrees < low or degrees > high:
            continue
        lat = rad(degrees)
        a = sin((lat - lat0) / 2)
        b = sin((rad(geo["lon"]) - lon0) / 2)
        h = a * a + cos0 * cos(lat) * b * b
        if h < best_h:
            best, best_h = site, h
    return best


def bounding_box(point: GeoPoint, radius_km: float) -> list[tuple[float, float, float, float]]:
    """Boxes (min_lat, max_lat, min_lon, max_lon) covering the circle; two across 180°."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat, max_lat = point.lat - dlat, point.lat + dlat
    if min_lat <= -90 or max_lat >= 90:
        return [(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)]
    dlon = math.degrees(
        math.asin(
            min(1.0, math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(point.lat)))
        )
    )
    # A small margin: the box is a prefilter, the exact test follows.
    dlat, dlon = dlat * 1.001 + 1e-6, dlon * 1.001 + 1e-6
    min_lat, max_lat = point.lat - dlat, point.lat + dlat
    lo, hi = point.lon - dlon, point.lon + dlon
    if dlon >= 180:
        return [(min_lat, max_lat, -180.0, 180.0)]
    if lo < -180:
        return [(min_lat, max_lat, lo + 360, 180.0), (min_lat, max_lat, -180.0, hi)]
    if hi > 180:
        return [(min_lat, max_lat, lo, 180.0), (min_lat, max_lat, -180.0, hi - 360)]
    return [(min_lat, max_lat, lo, hi)]
