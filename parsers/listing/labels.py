"""Pieces of text both a trial page and a listing card show: labels, badges, people.

Labels. "Age: 18+", "Sex: Female", "Trial Phase: Phase 1 & 2", "Trial Status:
Recruiting", "Sponsor: <org>", "Must be taking: <a>, <b>" (case-insensitive;
"Ages", "Gender", "Phase" and "Status" are synonyms). A label standing alone
on its line takes the next line as its value. Reading a label gives a new
`Facts`; a later label of the same kind replaces an earlier one. A value that
cannot be decoded leaves a warning; an unreadable age or phase keeps what was
known, an unreadable sex or status sets it to unknown.

Badges. A badge line starts with a known badge title ("No Placebo Group",
"Prior Safety Data", "Approved in 2 Jurisdictions", ...) or with any short
title-case phrase, possibly glued to its description ("No Placebo GroupAll
trial participants…"). "No Placebo Group" means no placebo, "Prior Safety
Data" that there is some, "Approved in N Jurisdictions" gives the count.

People. "Alexander Lesokhin, MD, PhD": the name, then degrees from the end
(known degrees, or short words with two capitals such as "FRCSC").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from parsers.listing.dom import Line
from parsers.listing.urls import SMALL_WORDS
from parsers.records import Phase, Sex, TrialStatus
from parsers.text_units import parse_age_range
from parsers.text_vocab import phases_from_label, sex_from_label, status_from_label

ENROLLMENT = re.compile(r"^(\d[\d,]*)\s*\+?\s*Participants?\s+Needed$", re.I)

_CAMEL = re.compile(r"^(.*?[a-z0-9)])([A-Z].*)$")
_APPROVED = re.compile(r"^Approved in (\d+) Jurisdictions?", re.I)
_KNOWN_BADGES = re.compile(
    r"^(No Placebo Group|No Placebo-Only Group|Prior Safety Data|Approved in \d+ Jurisdictions?"
    r"|Pivotal Trial|Highly Paid|Breakthrough Medication|Stay on Current Meds"
    r"|FDA Approved|Accepts Healthy Volunteers|Paid Trial)",
    re.I,
)


@dataclass(frozen=True)
class Facts:
    """What labels (and the header's bare lines) state about a trial."""

    status: TrialStatus | None = None
    phases: tuple[Phase, ...] = ()
    min_age_years: float | None = None
    max_age_years: float | None = None
    sex: Sex | None = None
    sponsor: str | None = None
    required_medications: tuple[str, ...] = ()
    enrollment: int | None = None
    warnings: tuple[str, ...] = ()

    def warn(self, message: str) -> Facts:
        return replace(self, warnings=(*self.warnings, message))

    def with_status(self, label: str) -> Facts:
        status = status_from_label(label)
        facts = self if status is not None else self.warn(f"status {label!r} not understood")
        return replace(facts, status=status)


def read_label(facts: Facts, label: str, value: str) -> Facts:
    """``facts`` with one label's (non-empty) value applied."""
    label = label.lower()
    if label in ("age", "ages"):
        ages = parse_age_range(value)
        if ages is None:
            return facts.warn(f"age {value!r} not understood")
        return replace(facts, min_age_years=ages[0], max_age_years=ages[1])
    if label in ("sex", "gender"):
        sex = sex_from_label(value)
        facts = facts if sex is not None else facts.warn(f"sex {value!r} not understood")
        return replace(facts, sex=sex)
    if label in ("trial phase", "phase"):
        phases = phases_from_label(value if "phase" in value.lower() else f"Phase {value}")
        phases = phases or phases_from_label(value)
        if phases is None:
            return facts.warn(f"phase {value!r} not understood")
        return replace(facts, phases=tuple(phases))
    if label in ("trial status", "status"):
        return facts.with_status(value)
    if label == "sponsor":
        return replace(facts, sponsor=value)
    if label == "must be taking":
        meds = tuple(m.strip() for m in re.split(r"[,;]", value) if m.strip())
        return replace(facts, required_medications=meds)
    return facts


def label_value(lines: list[Line], index: int, value: str) -> tuple[str, int]:
    """A label's value and the index of the line it ended on (the next one when alone)."""
    if value or index + 1 >= len(lines):
        return value, index
    return lines[index + 1].text, index + 1


def is_title_case(text: str, max_words: int = 6) -> bool:
    words = text.split()
    if not 1 <= len(words) <= max_words or text[-1:] in ".!?:":
        return False
    for word in words:
        if word.lower() in SMALL_WORDS or word[0].isdigit():
            continue
        if not word[0].isupper():
            return False
    return True


def badge_of(line: Line) -> str | None:
    """The badge title a line starts with, or None when the line is not a badge."""
    parts = line.parts
    first = parts[0] if parts else line.text
    match = _KNOWN_BADGES.match(first)
    if match:
        return match.group(1) if len(parts) < 2 else first
    if is_title_case(first):
        return first
    camel = _CAMEL.match(first)
    if camel and is_title_case(camel.group(1)) and len(camel.group(2).split()) >= 3:
        return camel.group(1)
    return None


def part_badges(lines: Iterable[Line], skip: re.Pattern[str] | None = None) -> list[str]:
    """One badge per inline piece of ``lines`` (pieces matching ``skip`` left out)."""
    return [
        badge_of(Line(part, line.tag, None)) or part
        for line in lines
        for part in line.parts or [line.text]
        if skip is None or not skip.match(part)
    ]


@dataclass(frozen=True)
class BadgeFlags:
    placebo: bool | None
    prior_safety_data: bool | None
    approved_jurisdictions: int | None
    badges: tuple[str, ...]


def badge_flags(badges: Iterable[str]) -> BadgeFlags:
    """The flags a sequence of badges states (repeated badges count once)."""
    placebo: bool | None = None
    prior: bool | None = None
    approved: int | None = None
    for badge in badges:
        key = badge.lower()
        if key == "no placebo group":
            placebo = False
        elif key == "prior safety data":
            prior = True
        match = _APPROVED.match(badge)
        if match:
            approved = int(match.group(1))
    return BadgeFlags(placebo, prior, approved, tuple(dict.fromkeys(badges)))


_DEGREE_WORDS = frozenset(
    [
        "md",
        "phd",
        "do",
        "rn",
        "np",
        "pa",
        "mph",
        "msc",
        "ms",
        "ma",
        "ba",
        "bs",
        "bsc",
        "mba",
        "mbbs",
        "mbchb",
        "frcp",
        "frcpc",
        "facs",
        "facp",
        "dnp",
        "pharmd",
        "scd",
        "drph",
        "dds",
        "dmd",
        "od",
        "psyd",
        "edd",
        "lcsw",
        "mhs",
        "msn",
        "bsn",
        "crnp",
        "pa-c",
        "faan",
        "dvm",
        "dphil",
        "mpa",
    ]
)
_NOT_DEGREES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _is_degree(word: str) -> bool:
    key = word.replace(".", "").lower()
    if key in _NOT_DEGREES:
        return False
    return key in _DEGREE_WORDS or (
        len(key) <= 6 and sum(ch.isupper() for ch in word) >= 2 and " " not in word
    )


@dataclass(frozen=True)
class Person:
    name: str
    degrees: tuple[str, ...] = ()
    role: str | None = None
    affiliation: str | None = None


def person(text: str) -> Person:
    """ "Alexander Lesokhin, MD, PhD" -> name and degrees."""
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    degrees: list[str] = []
    while len(pieces) > 1 and _is_degree(pieces[-1]):
        degrees.insert(0, pieces.pop())
    return Person(name=", ".join(pieces) or text, degrees=tuple(degrees))
