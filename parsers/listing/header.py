"""The header of a trial page: every line before the first section heading.

Site chrome ("← Back to Search", "Log in", "Share"...) is skipped. Facts come
from their own lines, in any order: "<N> Participants Needed" (or "<N>" above
"Participants Needed"); "Recruiting at <N> trial locations" (status and site
count); the labels of `parsers.listing.labels`; "Led By <person>" (an
investigator); "Research Sponsored by <org>" (the sponsor); a bare status
("Recruiting", "Waitlist Available") before any other fact; a bare phase
("Phase 2", "Early Phase 1"). When two lines state the same fact the later wins.

The title is the ``<h1>`` when the page has one. Otherwise it is chosen among
the free lines before the first fact: the last one ending in "(<ACRONYM>
Trial)", else the last one. The other free lines before the first fact that
are short title-case phrases are keywords (the intervention-category tag);
free lines after the first fact are badges.

Each fact line counts as one sign that this is a trial page (`Header.signals`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from parsers.listing.dom import Line
from parsers.listing.labels import (
    ENROLLMENT,
    Facts,
    Person,
    badge_of,
    is_title_case,
    label_value,
    person,
    read_label,
)
from parsers.text_units import parse_int
from parsers.text_vocab import phases_from_label, status_from_label

_NEEDED = re.compile(r"^Participants?\s+Needed$", re.I)
_LOCATIONS = re.compile(r"^(.+?)\s+at\s+(\d[\d,]*)\s+(?:trial\s+)?(?:locations?|sites?)$", re.I)
_LABEL = re.compile(
    r"^(Age|Ages|Sex|Gender|Trial Phase|Phase|Trial Status|Status|Sponsor|Must be taking)"
    r"\s*:\s*(.*)$",
    re.I,
)
_LED_BY = re.compile(r"^Led By\b\s*:?\s*(.*)$", re.I)
_SPONSORED_BY = re.compile(r"^Research Sponsored by\b\s*:?\s*(.*)$", re.I)
_CHROME = re.compile(
    r"^(?:←\s*)?back to (?:search|results)$|^your session is about to expire|^stay signed in$"
    r"|^(?:log ?in|sign ?in|sign up|menu|share|save)$",
    re.I,
)
_ACRONYM_TITLE = re.compile(r"\(.+ Trial\)$")


@dataclass(frozen=True)
class Header:
    title: str | None
    keywords: tuple[str, ...]
    facts: Facts
    site_count: int | None
    investigators: tuple[Person, ...]
    badges: tuple[str, ...]
    signals: int


def read_header(lines: list[Line]) -> Header:
    facts = Facts()
    site_count: int | None = None
    investigators: list[Person] = []
    badges: list[str] = []
    before: list[Line] = []
    signals = 0
    seen_fact = False
    h1 = next((line.text for line in lines if line.tag == "h1"), None)
    index = -1
    while index + 1 < len(lines):
        index += 1
        line = lines[index]
        text = line.text
        if _CHROME.match(text) or (h1 is not None and text == h1):
            continue
        match = ENROLLMENT.match(text)
        if match:
            facts = replace(facts, enrollment=parse_int(match.group(1)))
            signals += 1
            continue
        if index + 1 < len(lines) and _NEEDED.match(lines[index + 1].text):
            count = parse_int(text)
            if count is not None:  # "108" above "Participants Needed"
                facts = replace(facts, enrollment=count)
                signals += 1
                index += 1
                continue
        match = _LOCATIONS.match(text)
        if match and status_from_label(match.group(1)) is not None:
            facts = facts.with_status(match.group(1))
            site_count = parse_int(match.group(2))
            signals += 1
            seen_fact = True
            continue
        match = _LABEL.match(text) or _LED_BY.match(text) or _SPONSORED_BY.match(text)
        if match:
            value, index = label_value(lines, index, match.group(match.lastindex or 1).strip())
            if value:
                if match.re is _LABEL:
                    facts = read_label(facts, match.group(1), value)
                elif match.re is _LED_BY:
                    investigators.append(person(value))
                else:
                    facts = replace(facts, sponsor=value)
                signals += 1
            seen_fact = True
            continue
        if not seen_fact and status_from_label(text) is not None and len(text) < 40:
            facts = facts.with_status(text)
            signals += 1
            continue
        phases = phases_from_label(text) if text.lower().startswith(("phase", "early")) else None
        if phases:
            facts = replace(facts, phases=tuple(phases))
            signals += 1
            continue
        if not seen_fact:
            before.append(line)
            continue
        badge = badge_of(line)
        if badge is not None:
            badges.append(badge)
    title, keywords = _title_and_keywords(before, h1)
    return Header(
        title=title,
        keywords=keywords,
        facts=facts,
        site_count=site_count,
        investigators=tuple(investigators),
        badges=tuple(badges),
        signals=signals,
    )


def _title_and_keywords(before: list[Line], h1: str | None) -> tuple[str | None, tuple[str, ...]]:
    if h1 is not None:
        title: str | None = h1
        others = [line.text for line in before]
    else:
        acronym = [line for line in before if _ACRONYM_TITLE.search(line.text)]
        chosen = acronym[-1] if acronym else (before[-1] if before else None)
        title = chosen.text if chosen else None
        others = [line.text for line in before if line is not chosen]
    # A short free line above the title is the intervention-category tag.
    return title or None, tuple(t for t in others if is_title_case(t, 5))
