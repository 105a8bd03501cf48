"""Numbers, durations and age ranges as people write them on trial pages.

Each function takes one short piece of visible text and returns ``None`` (or
``(None, None)``) when the text does not have the expected shape: callers
decide whether that is worth a warning.
"""

from __future__ import annotations

import re

DAYS_PER_UNIT: dict[str, float] = {
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "month": 365.25 / 12,
    "year": 365.25,
}

_INT = re.compile(r"^\s*(\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+|\d+)\s*\+?\s*$")


def parse_int(text: str) -> int | None:
    """``"1,998"`` -> 1998; ``"602,000+"`` -> 602000 (a lower bound); else None."""
    match = _INT.match(text)
    if not match:
        return None
    return int(re.sub(r"\D", "", match.group(1)))


def _round_days(value: float) -> int:
    # Half-up, not Python's banker's rounding: "2 years" is 731 days, like 730.5 on paper.
    return int(value + 0.5)


_UNIT = r"(hour|day|week|month|year)s?"
_NUM = r"(\d+(?:\.\d+)?)"
_RANGE_DURATION = re.compile(
    rf"^(?:~|about |approximately |approx\. )?{_NUM}\s*(?:-|–|—|to)\s*{_NUM}\s*{_UNIT}$", re.I
)
_ONE_DURATION = re.compile(rf"^(?:~|about |approximately |approx\. )?{_NUM}\s*{_UNIT}$", re.I)
_UP_TO_DURATION = re.compile(rf"^(?:up to|within|less than|<)\s*{_NUM}\s*{_UNIT}$", re.I)


def parse_duration_days(text: str) -> tuple[int | None, int | None]:
    """``"2-4 weeks"`` -> (14, 28); ``"5 years"`` -> (1826, 1826); ``"up to 24 months"`` ->
    (None, 731); anything else (``"Varies"``, free text) -> (None, None).

    Months are 365.25/12 days and years 365.25 days; results are rounded half-up.
    """
    cleaned = " ".join(text.split()).rstrip(".")
    match = _RANGE_DURATION.match(cleaned)
    if match:
        unit = DAYS_PER_UNIT[match.group(3).lower()]
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            return None, None
        return _round_days(low * unit), _round_days(high * unit)
    match = _ONE_DURATION.match(cleaned)
    if match:
        days = _round_days(float(match.group(1)) * DAYS_PER_UNIT[match.group(2).lower()])
        return days, days
    match = _UP_TO_DURATION.match(cleaned)
    if match:
        return None, _round_days(float(match.group(1)) * DAYS_PER_UNIT[match.group(2).lower()])
    return None, None


def looks_like_duration(text: str) -> bool:
    """A duration as the timeline prints it, including the word ``Varies``."""
    cleaned = " ".join(text.split())
    return cleaned.lower() in {"varies", "ongoing", "n/a"} or parse_duration_days(cleaned) != (
        None,
        None,
    )


_AGE_NUM = r"(\d+(?:\.\d+)?)\s*(years?|yrs?|months?|weeks?)?"
_AGE_RANGE = re.compile(rf"^{_AGE_NUM}\s*(?:-|–|—|to)\s*{_AGE_NUM}$", re.I)
_AGE_MIN = re.compile(rf"^{_AGE_NUM}\s*(?:\+|and (?:older|over|above)|or (?:older|over))$", re.I)
_AGE_MAX = re.compile(
    rf"^(?:(?:up to|under|below|<|≤)\s*{_AGE_NUM}|{_AGE_NUM}\s*(?:and|or) (?:younger|under))$",
    re.I,
)


def _years(number: str, unit: str | None) -> float | None:
    value = float(number)
    if unit and unit.lower().startswith("month"):
        value = round(value / 12, 2)
    elif unit and unit.lower().startswith("week"):
        value = round(value * 7 / 365.25, 2)
    return value if 0 <= value <= 150 else None


def parse_age_range(text: str) -> tuple[float | None, float | None] | None:
    """``"18+"`` -> (18, None); ``"18 - 75"`` -> (18, 75); ``"65 and older"`` -> (65, None);
    ``"Under 18"`` -> (None, 18); ``"All ages"`` -> (None, None); unreadable -> None.
    """
    cleaned = " ".join(text.split()).rstrip(".")
    if cleaned.lower() in {"all", "all ages", "any", "any age"}:
        return None, None
    match = _AGE_RANGE.match(cleaned)
    if match:
        low = _years(match.group(1), match.group(2) or match.group(4))
        high = _years(match.group(3), match.group(4))
        if low is None or high is None or low > high:
            return None
        return low, high
    match = _AGE_MIN.match(cleaned)
    if match:
        low = _years(match.group(1), match.group(2))
        return None if low is None else (low, None)
    match = _AGE_MAX.match(cleaned)
    if match:
        number = match.group(1) or match.group(3)
        unit = match.group(2) or match.group(4)
        high = _years(number, unit)
        return None if high is None else (None, high)
    return None
