"""Patient-facing trial listing pages (withpower.com and look-alikes) -> `TrialRecord`.

The parser reads what a visitor sees. It never looks at CSS class names (they
are regenerated on every deploy); it builds one lxml tree, turns it into
visible lines (`parsers.listing_dom.linearize`) and finds sections by their
headings and fields by their labels. Three DOM styles give the same lines and
so the same record (golden pages in ``tests/fixtures/listing/``):

1. **React**: nested ``<div>``/``<span>`` with hashed class names; labels and
   values in sibling spans ("Age: " + "18+"); citations as ``<sup>1</sup>``
   elements after the answer text.
2. **Server-rendered semantic HTML**: ``<h1>`` title, ``<section>`` + ``<h2>``
   per section, ``<h3>`` questions, ``<dl><dt>Age:</dt><dd>18+</dd>``, criteria
   in ``<ul><li>``, citations as ``<sup>1,2,4</sup>``.
3. **Text in paragraphs**: one ``<p>`` per visible line, pieces glued as text
   extraction leaves them ("No Placebo GroupAll trial participants…",
   "Group I: LenalidomideExperimental Treatment1 Intervention") and citation
   numbers glued to the sentence ("…study.12345", see `parsers.citations`).

What the parser expects, top to bottom (each heading is a line of its own;
case and a trailing colon do not matter):

* Header, before the first heading: "← Back to Search"; an intervention-category
  tag (kept as a keyword); "<N> Participants Needed"; the title (the ``<h1>`` if
  there is one, else the last free line before the first label); "Recruiting at
  <N> trial locations" or a bare status ("Recruiting", "Waitlist Available");
  "Phase 2"; "Age: 18+" / "18 - 75" / "65 and older"; "Sex: Any|Female|Male";
  "Trial Phase: Phase 1 & 2"; "Sponsor: <org>"; "Must be taking: <meds>";
  "Led By <name, degrees>"; "Research Sponsored by <org>"; badge lines, each a
  badge title optionally followed by its description ("No Placebo Group",
  "Prior Safety Data", "Approved in 2 Jurisdictions", or any other short
  title-case badge). A label may sit alone on its line with the value on the next.
* "Trial Summary" | "Summary" | "<ACRONYM> Trial Summary": an optional summary
  paragraph, then questions (lines ending in "?") each followed by its answer;
  trailing "Check my eligibility" / "See study design" link text is dropped.
* "Research Team": per person an optional initials avatar ("AL"), "Name, MD,
  PhD", a role ("Principal Investigator"), an affiliation.
* "Eligibility Criteria" | "<ACRONYM> Trial Eligibility Criteria": summary
  paragraph, "Inclusion Criteria" items, "See <N> more", "Exclusion Criteria"
  items, "See <N> more".
* "Eligibility Criteria Checklist" (older layout): "Must have" items and an
  optional "Must not have" list; used when the page has no Inclusion/Exclusion lists.
* "Timeline": per stage (Screening, Treatment, Follow-up/Follow Up) either three
  lines (stage, description, duration) or one ("Screening 3 weeks").
* "Awards & highlights": badge lines.
* "Treatment Details": "Interventions" (bullet lines), "Trial Overview",
  "Participant Groups" ("Group I: <label>", arm type such as "Experimental
  Treatment", "<N> Intervention", description).
* "Who Is Running the Clinical Trial?": organisation, "Lead Sponsor" or
  "Collaborator", then "Trials" <N> and "Recruited" <N>+.
* "Findings from Research": claim lines, each group closed by its source
  "Title.Authors.[Year]" (glued or in separate elements).
* "References": see `parsers.listing_refs`.

Status: "Waitlist Available" maps to NOT_YET_RECRUITING (the trial is listed and
takes names for a waitlist, but is not enrolling). ``summary`` is the answer to
"What is the purpose of this trial?", else the summary paragraph, else the
Trial Overview. Conditions come from the trial URL slug
(``phase-2-multiple-myeloma-8-2017-3c5d1`` -> "Multiple Myeloma"); listing-card
records take the listing page's condition instead.

Condition listing pages (``/clinical-trials/for-<condition>``) are parsed by
`parse_listing_cards`: a card is the largest element around one ``/trial/<slug>``
link that holds no other trial link; its lines are title, "City, State",
description, badges, "Trial Details" with "Trial Status:", "Trial Phase:",
"Age:", "Sex:", and "<N> Participants Needed".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

from pydantic import ValidationError

from parsers.citations import extract_citations
from parsers.errors import ParseError, RecordValidationError
from parsers.listing_dom import (
    Line,
    absolute,
    anchors,
    build_tree,
    linearize,
)
from parsers.listing_refs import parse_findings, parse_references
from parsers.records import TrialRecord, describe_validation_error
from parsers.text_units import looks_like_duration, parse_age_range, parse_duration_days, parse_int
from parsers.text_vocab import (
    arm_type_from_label,
    phases_from_label,
    sex_from_label,
    status_from_label,
)

__all__ = [
    "PARSER_VERSION",
    "ListingLinks",
    "listing_page_links",
    "parse_listing",
    "parse_listing_cards",
    "record_id",
]

PARSER_VERSION = "listing-1"

# --- section headings -------------------------------------------------------------------

_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("summary", re.compile(r"^(?:(?:\S+ )?trial )?summary$")),
    ("team", re.compile(r"^research team$")),
    ("checklist", re.compile(r"^eligibility criteria checklist$")),
    ("eligibility", re.compile(r"^(?:\S+ trial )?eligibility criteria$")),
    ("timeline", re.compile(r"^timeline$")),
    ("awards", re.compile(r"^awards (?:&|and) highlights$")),
    ("treatment", re.compile(r"^treatment details$")),
    ("clinics", re.compile(r"^find a clinic near you$")),
    ("sponsor", re.compile(r"^who is running the clinical trial\??$")),
    ("findings", re.compile(r"^findings from research$")),
    ("references", re.compile(r"^references$")),
]


def _heading_kind(text: str) -> str | None:
    if len(text) > 60:
        return None
    key = text.strip().rstrip(":").strip().lower()
    for kind, pattern in _HEADINGS:
        if pattern.match(key):
            return kind
    return None


def _split_sections(lines: list[Line]) -> dict[str, list[Line]]:
    sections: dict[str, list[Line]] = {"header": []}
    current = sections["header"]
    for line in lines:
        kind = _heading_kind(line.text)
        if kind is not None:
            current = sections.setdefault(kind, [])
            continue
        current.append(line)
    return sections


# --- small text helpers -----------------------------------------------------------------

_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "vs",
        "&",
    ]
)
_CAMEL = re.compile(r"^(.*?[a-z0-9)])([A-Z].*)$")
_ENROLLMENT = re.compile(r"^(\d[\d,]*)\s*\+?\s*Participants?\s+Needed$", re.I)
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
_APPROVED = re.compile(r"^Approved in (\d+) Jurisdictions?", re.I)
_KNOWN_BADGES = re.compile(
    r"^(No Placebo Group|No Placebo-Only Group|Prior Safety Data|Approved in \d+ Jurisdictions?"
    r"|Pivotal Trial|Highly Paid|Breakthrough Medication|Stay on Current Meds"
    r"|FDA Approved|Accepts Healthy Volunteers|Paid Trial)",
    re.I,
)


def _is_title_case(text: str, max_words: int = 6) -> bool:
    words = text.split()
    if not 1 <= len(words) <= max_words or text[-1:] in ".!?:":
        return False
    for word in words:
        if word.lower() in _SMALL_WORDS or word[0].isdigit():
            continue
        if not word[0].isupper():
            return False
    return True


def _badge_of(line: Line) -> str | None:
    """The badge title a line starts with, or None when the line is not a badge."""
    parts = line.parts
    first = parts[0] if parts else line.text
    match = _KNOWN_BADGES.match(first)
    if match:
        return match.group(1) if len(parts) < 2 else first
    if len(parts) >= 2 and _is_title_case(first):
        return first
    if _is_title_case(first):
        return first
    camel = _CAMEL.match(first)
    if camel and _is_title_case(camel.group(1)) and len(camel.group(2).split()) >= 3:
        return camel.group(1)
    return None


def _apply_badge(badge: str, flags: dict[str, Any]) -> None:
    key = badge.lower()
    if key == "no placebo group":
        flags["placebo"] = False
    elif key == "prior safety data":
        flags["prior_safety_data"] = True
    match = _APPROVED.match(badge)
    if match:
        flags["approved_jurisdictions"] = int(match.group(1))
    if badge not in flags["badges"]:
        flags["badges"].append(badge)


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


def _person(text: str) -> dict[str, Any]:
    """ "Alexander Lesokhin, MD, PhD" -> name and degrees."""
    pieces = [p.strip() for p in text.split(",") if p.strip()]
    degrees: list[str] = []
    while len(pieces) > 1 and _is_degree(pieces[-1]):
        degrees.insert(0, pieces.pop())
    return {"name": ", ".join(pieces) or text, "degrees": degrees}


def _slug_words(slug: str) -> str:
    words = [w for w in slug.split("-") if w]
    out = []
    for index, word in enumerate(words):
        out.append(word if index and word in _SMALL_WORDS else word.capitalize())
    return " ".join(out)


_TRIAL_SLUG = re.compile(
    r"^(?:early-phase-1-|phase-\d(?:-\d)?-|unphased-|not-applicable-)?"
    r"(?P<condition>[a-z0-9-]+?)-\d{1,2}-\d{4}-[0-9a-f]{5}$"
)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise ParseError(url, "malformed URL") from None
    return parts


def _trial_slug(url: str) -> str | None:
    parts = _split(url)
    match = re.search(r"/trials?/([^/?#]+)", parts.path)
    return match.group(1) if match else None


def record_id(url: str) -> str:
    """``listing:<host without www.>:<slug>`` for a trial page URL (stable across visits)."""
    parts = _split(url)
    host = (parts.hostname or "").lower().removeprefix("www.") or "local"
    slug = _trial_slug(url)
    if slug is None:
        segments = [s for s in parts.path.split("/") if s]
        slug = re.sub(r"\.html?$", "", segments[-1]) if segments else "index"
    slug = re.sub(r"\s+", "-", slug)
    return f"listing:{host}:{slug}"


def _condition_from_trial_url(url: str) -> list[str]:
    slug = _trial_slug(url)
    match = _TRIAL_SLUG.match(slug or "")
    return [_slug_words(match.group("condition"))] if match else []


def _condition_from_listing_url(url: str) -> list[str]:
    match = re.search(r"/clinical-trials/for-([a-z0-9-]+)", _split(url).path)
    if not match:
        return []
    condition = match.group(1).split("-within-")[0]
    return [_slug_words(condition)] if condition else []


# --- the page ----------------------------------------------------------------------------


@dataclass
class _Draft:
    """The record being filled, as plain data (validated once at the end)."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    signals: int = 0

    @property
    def eligibility(self) -> dict[str, Any]:
        value: dict[str, Any] = self.data["eligibility"]
        return value

    @property
    def flags(self) -> dict[str, Any]:
        value: dict[str, Any] = self.data["flags"]
        return value


def _new_draft() -> _Draft:
    return _Draft(
        data={
            "registry_ids": [],
            "keywords": [],
            "phases": [],
            "conditions": [],
            "interventions": [],
            "arms": [],
            "collaborators": [],
            "investigators": [],
            "eligibility": {"inclusion": [], "exclusion": [], "required_medications": []},
            "enrollment": {},
            "sites": [],
            "timeline": [],
            "flags": {"badges": []},
            "qa": [],
            "findings": [],
            "references": [],
        }
    )


def _label_value(lines: list[Line], index: int, value: str) -> tuple[str, int]:
    """A label's value: on its own line, or on the next line when the label stands alone."""
    if value or index + 1 >= len(lines):
        return value, index
    return lines[index + 1].text, index + 1


def _set_label(draft: _Draft, label: str, value: str) -> None:
    label = label.lower()
    if not value:
        return
    if label in ("age", "ages"):
        ages = parse_age_range(value)
        if ages is None:
            draft.warnings.append(f"age {value!r} not understood")
        else:
            draft.eligibility["min_age_years"], draft.eligibility["max_age_years"] = ages
    elif label in ("sex", "gender"):
        sex = sex_from_label(value)
        if sex is None:
            draft.warnings.append(f"sex {value!r} not understood")
        draft.eligibility["sex"] = sex
    elif label in ("trial phase", "phase"):
        phases = phases_from_label(value if "phase" in value.lower() else f"Phase {value}")
        phases = phases or phases_from_label(value)
        if phases is None:
            draft.warnings.append(f"phase {value!r} not understood")
        else:
            draft.data["phases"] = phases
    elif label in ("trial status", "status"):
        _set_status(draft, value)
    elif label == "sponsor":
        draft.data["sponsor"] = {"name": value}
    elif label == "must be taking":
        meds = [m.strip() for m in re.split(r"[,;]", value) if m.strip()]
        draft.eligibility["required_medications"] = meds
    draft.signals += 1


def _set_status(draft: _Draft, label: str) -> None:
    status = status_from_label(label)
    if status is None:
        draft.warnings.append(f"status {label!r} not understood")
    draft.data["status"] = status


def _parse_header(lines: list[Line], draft: _Draft) -> None:
    before: list[Line] = []
    seen_fact = False
    h1 = next((line.text for line in lines if line.tag == "h1"), None)
    index = -1
    while index + 1 < len(lines):
        index += 1
        line = lines[index]
        text = line.text
        if _CHROME.match(text) or (h1 is not None and text == h1):
            continue
        match = _ENROLLMENT.match(text)
        if match:
            draft.data["enrollment"]["count"] = parse_int(match.group(1))
            draft.signals += 1
            continue
        if index + 1 < len(lines) and _NEEDED.match(lines[index + 1].text):
            count = parse_int(text)
            if count is not None:  # "108" above "Participants Needed"
                draft.data["enrollment"]["count"] = count
                draft.signals += 1
                index += 1
                continue
        match = _LOCATIONS.match(text)
        if match and status_from_label(match.group(1)) is not None:
            _set_status(draft, match.group(1))
            draft.data["site_count"] = parse_int(match.group(2))
            draft.signals += 1
            seen_fact = True
            continue
        match = _LABEL.match(text)
        if match:
            value, index = _label_value(lines, index, match.group(2).strip())
            _set_label(draft, match.group(1), value)
            seen_fact = True
            continue
        match = _LED_BY.match(text)
        if match:
            value, index = _label_value(lines, index, match.group(1).strip())
            if value:
                draft.data["investigators"].append(_person(value))
                draft.signals += 1
            seen_fact = True
            continue
        match = _SPONSORED_BY.match(text)
        if match:
            value, index = _label_value(lines, index, match.group(1).strip())
            if value:
                draft.data["sponsor"] = {"name": value}
                draft.signals += 1
            seen_fact = True
            continue
        if not seen_fact and status_from_label(text) is not None and len(text) < 40:
            _set_status(draft, text)
            draft.signals += 1
            continue
        phases = phases_from_label(text) if text.lower().startswith(("phase", "early")) else None
        if phases:
            draft.data["phases"] = phases
            draft.signals += 1
            continue
        if not seen_fact:
            before.append(line)
            continue
        badge = _badge_of(line)
        if badge is not None:
            _apply_badge(badge, draft.flags)
    if h1 is not None:
        title: str | None = h1
        others = [line.text for line in before]
    else:
        acronym = [line for line in before if re.search(r"\(.+ Trial\)$", line.text)]
        chosen = acronym[-1] if acronym else (before[-1] if before else None)
        title = chosen.text if chosen else None
        others = [line.text for line in before if line is not chosen]
    if title:
        draft.data["title"] = title
    # A short free line above the title is the intervention-category tag.
    draft.data["keywords"] = [t for t in others if _is_title_case(t, 5)]


_QUESTION = re.compile(r"\?\s*$")
_LINK_TAIL = re.compile(
    r"\s*(?:Check my eligibility|See study design|See more|Read more|Learn more)\s*$", re.I
)


def _parse_summary(lines: list[Line], draft: _Draft, n_refs: int) -> None:
    intro: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        text = line.text
        if _QUESTION.search(text) and len(text) <= 250:
            blocks.append((text, []))
        elif blocks:
            blocks[-1][1].append(_LINK_TAIL.sub("", line.cited))
        else:
            intro.append(_LINK_TAIL.sub("", text))
    if intro:
        draft.data["summary_paragraph"] = " ".join(t for t in intro if t)
    for number, (question, answer_lines) in enumerate(blocks, start=1):
        cited = extract_citations(" ".join(a for a in answer_lines if a), n_refs, f"qa {number}")
        draft.warnings.extend(cited.warnings)
        draft.data["qa"].append(
            {"question": question, "answer": cited.text, "citations": cited.citations}
        )
    if blocks or intro:
        draft.signals += 1


_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_ROLE = re.compile(
    r"\b(?:Investigator|Chair|Director|Coordinator|Contact|Lead|Researcher|Physician|Scientist"
    r"|Officer|Nurse|Manager|Sponsor|PI)\b",
    re.I,
)


_ROLE_FIRST = re.compile(
    r"^((?:Principal|Lead|Sub-|Co-)?\s?Investigator|Study (?:Chair|Director|Contact|Coordinator))"
    r"(?=[A-Z])(.+)$"
)


def _team_items(lines: list[Line]) -> list[str]:
    """One item per field, splitting pieces that separate elements or glued text join."""
    items: list[str] = []
    for line in lines:
        for part in line.parts or [line.text]:
            glued = re.match(r"^([A-Z]{1,3})([A-Z][a-z].*)$", part)
            if glued:
                # "ALAlexander Lesokhin, MD": an avatar's initials glued to the name.
                name = glued.group(2).split(",")[0]
                if "".join(w[0] for w in name.split()) == glued.group(1):
                    items += [glued.group(1), glued.group(2)]
                    continue
            role = _ROLE_FIRST.match(part)
            if role:
                items += [role.group(1), role.group(2)]  # "Principal InvestigatorMemorial…"
                continue
            items.append(part)
    return items


def _parse_team(lines: list[Line], draft: _Draft) -> None:
    people: list[dict[str, Any]] = []
    expect = "name"
    for text in _team_items(lines):
        if _INITIALS.match(text):
            expect = "name"
            continue
        if expect == "name":
            people.append({**_person(text), "role": None, "affiliation": None})
            expect = "role"
        elif expect == "role" and _ROLE.search(text) and len(text) < 60:
            people[-1]["role"] = text
            expect = "affiliation"
        else:
            people[-1]["affiliation"] = text
            expect = "name"
    if people:
        # "Led By" in the header names the same person again.
        named = {p["name"] for p in people}
        draft.data["investigators"] = [
            p for p in draft.data["investigators"] if p["name"] not in named
        ] + people
        draft.signals += 1


_SEE_MORE = re.compile(r"^(?:\+\s*)?See (\d+) more(?: criteria)?$", re.I)
_CRITERIA_NOTE = re.compile(r"^(?:You may be eligible if|Specific guidelines that determine)", re.I)
_CONTROLS = frozenset({"select...", "select", "yes", "no"})


def _criteria(
    lines: list[Line], starts: dict[str, str]
) -> tuple[list[str], dict[str, list[str]], dict[str, int]]:
    """Free lines before the first list, the lists by name, and their "See N more" counts."""
    intro: list[str] = []
    lists: dict[str, list[str]] = {}
    more: dict[str, int] = {}
    mode: str | None = None
    for line in lines:
        text = line.text
        key = text.rstrip(":").strip().lower()
        if key in starts:
            mode = starts[key]
            lists.setdefault(mode, [])
            continue
        match = _SEE_MORE.match(text)
        if match and mode is not None:
            more[mode] = more.get(mode, 0) + int(match.group(1))
            continue
        if _CRITERIA_NOTE.match(text) or key in _CONTROLS:
            continue
        if mode is None:
            intro.append(text)
        else:
            lists[mode].append(re.sub(r"^[•·\-*]\s*", "", text))
    return intro, lists, more


def _parse_eligibility(lines: list[Line], draft: _Draft) -> None:
    intro, lists, more = _criteria(
        lines, {"inclusion criteria": "inclusion", "exclusion criteria": "exclusion"}
    )
    if intro:
        draft.eligibility["summary"] = " ".join(intro)
    for kind in ("inclusion", "exclusion"):
        if kind in lists:
            draft.eligibility[kind] = lists[kind]
            draft.eligibility[f"{kind}_total"] = len(lists[kind]) + more.get(kind, 0)
    draft.signals += 1


def _parse_checklist(lines: list[Line], draft: _Draft) -> None:
    _, lists, more = _criteria(lines, {"must have": "inclusion", "must not have": "exclusion"})
    for kind in ("inclusion", "exclusion"):
        # The checklist repeats a few registry criteria; the full lists win when present.
        if lists.get(kind) and not draft.eligibility[kind]:
            draft.eligibility[kind] = lists[kind]
            if kind in more:
                draft.eligibility[f"{kind}_total"] = len(lists[kind]) + more[kind]
    draft.signals += 1


_STAGE = re.compile(
    r"^(Screening|Treatment|Follow[- ]?up|Run[- ]?in|Washout|Observation|Extension|"
    r"Enrollment|Baseline|Maintenance)\b\s*:?\s*(.*)$",
    re.I,
)


def _parse_timeline(lines: list[Line], draft: _Draft) -> None:
    stages: list[dict[str, Any]] = []

    def complete() -> bool:
        return not stages or stages[-1]["text"] is not None

    for line in lines:
        text = line.text
        parts = line.parts
        match = _STAGE.match(parts[0] if len(parts) > 1 else text)
        if match:
            rest = " ".join(parts[1:]) if len(parts) > 1 else match.group(2)
            if not rest or looks_like_duration(rest) or complete():
                stages.append({"stage": match.group(1), "description": None, "text": rest or None})
                continue
        if not stages:
            continue
        stage = stages[-1]
        if stage["text"] is None and (looks_like_duration(text) or stage["description"]):
            stage["text"] = text
        elif stage["description"] is None:
            stage["description"] = text
    for stage in stages:
        stage["min_days"], stage["max_days"] = (
            parse_duration_days(stage["text"]) if stage["text"] else (None, None)
        )
    draft.data["timeline"] = stages
    if stages:
        draft.signals += 1


_INTERVENTION_TYPES = frozenset(
    [
        "drug",
        "biological",
        "device",
        "procedure",
        "radiation",
        "behavioral",
        "genetic",
        "dietary",
        "supplement",
        "combination",
        "product",
        "diagnostic",
        "test",
        "other",
    ]
)
_ARM_START = re.compile(r"^(?:Group|Arm|Cohort|Part)\s+[\w.\-]+\s*:", re.I)
_ARM_GLUED = re.compile(
    r"^(?P<label>.+?)(?P<type>Experimental Treatment|Active Control|Placebo Group|No Treatment"
    r"|No Intervention|Sham Treatment)?\s*(?P<n>\d+)\s*Interventions?$"
)
_ARM_COUNT = re.compile(r"^\d+\s*Interventions?$", re.I)
_GROUP_COUNT = re.compile(r"^\d+\s*Treatment groups?$", re.I)


def _intervention(text: str) -> dict[str, Any]:
    name = re.sub(r"^[•·\-*]\s*", "", text).strip()
    match = re.match(r"^(.+?)\s*\(([^()]+)\)$", name)
    if match and match.group(2).lower() in _INTERVENTION_TYPES:
        return {"name": match.group(1), "type": match.group(2).upper().replace(" ", "_")}
    return {"name": name, "type": None}


def _parse_treatment(lines: list[Line], draft: _Draft) -> None:
    mode = "interventions"
    overview: list[str] = []
    arms: list[dict[str, Any]] = []
    for line in lines:
        text = line.text
        key = text.rstrip(":").strip().lower()
        if key == "interventions":
            mode = "interventions"
            continue
        if key == "participant groups":
            mode = "groups"
            continue
        if key.startswith("trial overview"):
            mode = "overview"
            rest = text[len("trial overview") :].strip(" :")
            if rest:
                overview.append(rest)
            continue
        if mode == "interventions":
            draft.data["interventions"].append(_intervention(text))
        elif mode == "overview":
            overview.append(text)
        elif mode == "groups":
            _arm_line(line, arms)
    names = [i["name"] for i in draft.data["interventions"]]
    for arm in arms:
        words = f"{arm['label']} {arm['description'] or ''}".lower()
        arm["interventions"] = [n for n in names if n.lower() in words]
    draft.data["arms"] = arms
    if overview:
        draft.data["overview"] = " ".join(overview)
    draft.signals += 1


def _arm_line(line: Line, arms: list[dict[str, Any]]) -> None:
    text = line.text
    if _GROUP_COUNT.match(text) or _ARM_COUNT.match(text):
        return
    if _ARM_START.match(text):
        glued = _ARM_GLUED.match(text)
        label, kind = text, None
        if len(line.parts) > 1:
            label = line.parts[0]
            kind = next(
                (arm_type_from_label(p) for p in line.parts[1:] if arm_type_from_label(p)), None
            )
        elif glued:
            label = glued.group("label")
            kind = arm_type_from_label(glued.group("type") or "")
        arms.append({"label": label, "type": kind, "description": None})
        return
    kind = arm_type_from_label(text)
    if kind is not None:
        if arms and arms[-1]["type"] is None and arms[-1]["description"] is None:
            arms[-1]["type"] = kind
        return  # otherwise the legend of arm types above the groups
    if arms:
        previous = arms[-1]["description"]
        arms[-1]["description"] = f"{previous} {text}" if previous else text


_STAT = re.compile(r"^(Trials|Recruited)\s*:?\s*([\d,]+\+?)?$", re.I)
_STATS_GLUED = re.compile(r"(Trials|Recruited)\s*:?\s*(\d[\d,]*\+?)", re.I)
_ORG_ROLE = re.compile(r"^(?P<name>.*?)\s*(?P<role>Lead Sponsor|Collaborator|Sponsor)$")


def _parse_sponsor(lines: list[Line], draft: _Draft) -> None:
    stats: dict[str, int | None] = {}
    pending: str | None = None
    waiting: str | None = None
    for line in lines:
        text = line.text
        if waiting is not None:
            stats[waiting] = parse_int(text)
            waiting = None
            continue
        match = _STAT.match(text)
        if match:
            name = "trials" if match.group(1).lower() == "trials" else "recruited"
            if match.group(2):
                stats[name] = parse_int(match.group(2))
            else:
                waiting = name
            continue
        glued = _STATS_GLUED.findall(text)
        if len(glued) == 2 and _STATS_GLUED.sub("", text).strip() == "":
            for label, value in glued:  # "Trials1,998Recruited602,000+"
                stats["trials" if label.lower() == "trials" else "recruited"] = parse_int(value)
            continue
        match = _ORG_ROLE.match(text)
        if match:
            org = match.group("name") or pending
            pending = None
            if not org:
                continue
            if match.group("role") == "Collaborator":
                draft.data["collaborators"].append({"name": org})
            elif not draft.data.get("sponsor"):
                draft.data["sponsor"] = {"name": org}
            continue
        pending = text
    if stats:
        draft.data["sponsor_stats"] = {
            "trials": stats.get("trials"),
            "recruited": stats.get("recruited"),
        }
    draft.signals += 1


def _parse_awards(lines: list[Line], draft: _Draft) -> None:
    for line in lines:
        for part in line.parts or [line.text]:
            badge = _badge_of(Line(part, line.tag, None)) or part
            _apply_badge(badge, draft.flags)


_REGISTRY_IDS = re.compile(r"\b(NCT\d{8}|ISRCTN\d{8}|\d{4}-\d{6}-\d{2}|ACTRN\d{14})\b")


def _registry_ids(lines: Iterable[Line]) -> list[str]:
    found: list[str] = []
    for line in lines:
        if "NCT" in line.text or "ISRCTN" in line.text or "-" in line.text:
            for value in _REGISTRY_IDS.findall(line.text):
                if value not in found:
                    found.append(value)
    return found


def _validated(data: dict[str, Any], origin: str) -> TrialRecord:
    try:
        return TrialRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(origin, describe_validation_error(exc)) from exc


def _source(
    body: bytes, url: str, fetched_at: datetime | None, warnings: list[str]
) -> dict[str, Any]:
    return {
        "name": "listing",
        "url": url,
        "fetched_at": fetched_at,
        "content_sha256": hashlib.sha256(body).hexdigest(),
        "parser_version": PARSER_VERSION,
        "warnings": warnings,
    }


_SECTION_PARSERS: list[tuple[str, Callable[[list[Line], _Draft], None]]] = [
    ("team", _parse_team),
    ("eligibility", _parse_eligibility),
    ("checklist", _parse_checklist),
    ("timeline", _parse_timeline),
    ("awards", _parse_awards),
    ("treatment", _parse_treatment),
    ("sponsor", _parse_sponsor),
]


def parse_listing(body: bytes, url: str, *, fetched_at: datetime | None = None) -> TrialRecord:
    """One trial page -> its record; `ParseError` when it is not a readable trial page."""
    root = build_tree(body, url)
    lines = linearize(root)
    sections = _split_sections(lines)
    draft = _new_draft()
    _parse_header(sections["header"], draft)
    references = parse_references(sections.get("references", []))
    draft.data["references"] = references
    n_refs = max((r["number"] for r in references), default=0)
    if "summary" in sections:
        _parse_summary(sections["summary"], draft, n_refs)
    for kind, parse in _SECTION_PARSERS:
        if kind in sections:
            parse(sections[kind], draft)
    if "findings" in sections:
        draft.data["findings"] = parse_findings(sections["findings"])
    if not draft.data.get("title"):
        raise ParseError(url, "not a trial page: no title found")
    if draft.signals < 2:
        raise ParseError(url, "not a trial page: no trial facts or trial sections found")
    data = draft.data
    purpose = next(
        (q["answer"] for q in data["qa"] if "purpose" in q["question"].lower() and q["answer"]),
        None,
    )
    paragraph = data.pop("summary_paragraph", None)
    overview = data.pop("overview", None)
    data["summary"] = purpose or paragraph or overview
    data["id"] = record_id(url)
    data["conditions"] = _condition_from_trial_url(url)
    data["registry_ids"] = _registry_ids(lines)
    data["source"] = _source(body, url, fetched_at, draft.warnings)
    return _validated(data, url)


# --- condition listing pages -----------------------------------------------------------

_PLACE = r"[A-Z][A-Za-z.'\-]*(?: [A-Z][A-Za-z.'\-]*){0,3}"
_CITY_STATE = re.compile(rf"^{_PLACE}, {_PLACE}$")
_CARD_LABEL = re.compile(r"^(Trial Status|Trial Phase|Age|Sex|Gender)\s*:\s*(.*)$", re.I)


def _is_trial_href(href: str | None) -> bool:
    return bool(href) and _trial_slug(href or "") is not None and "/trial" in (href or "")


def _card_elements(root: Any, url: str) -> list[tuple[str, Any]]:
    """(trial URL, card element) pairs: the largest element around each trial link
    that holds no other trial's link."""
    trial_links: list[tuple[str, str, Any]] = []
    for anchor in anchors(root):
        target = absolute(url, anchor.get("href"))
        if target and _is_trial_href(target):
            trial_links.append((target.split("?", 1)[0], record_id(target), anchor))
    # Which trial each element holds links to: one id, or _MANY. Each element changes state
    # at most twice, so this is linear in the size of the tree.
    owner: dict[Any, str] = {}
    for _, trial, anchor in trial_links:
        element = anchor
        while element is not None:
            held = owner.get(element)
            if held in (trial, _MANY):
                break
            owner[element] = trial if held is None else _MANY
            element = element.getparent()
    cards: list[tuple[str, Any]] = []
    seen: set[Any] = set()
    for trial_url, trial, anchor in trial_links:
        card = anchor
        parent = card.getparent()
        while parent is not None and owner.get(parent) == trial:
            card, parent = parent, parent.getparent()
        if card not in seen:
            seen.add(card)
            cards.append((trial_url, card))
    return cards


_MANY = "\x00many"


def _first_sentence(text: str) -> str:
    match = re.match(r"^(.+?[.!?])(?:\s|$)", text)
    return (match.group(1) if match else text)[:200]


def _parse_card(lines: list[Line], trial_url: str, page_url: str, draft: _Draft) -> None:
    texts = [line.text for line in lines]
    city_at = next((i for i, t in enumerate(texts) if _CITY_STATE.match(t)), None)
    details_at = next(
        (i for i, t in enumerate(texts) if t.rstrip(":").lower() == "trial details"), len(texts)
    )
    title: str | None = None
    description: str | None = None
    badge_from = 0
    if city_at is not None:
        city, _, state = texts[city_at].partition(", ")
        draft.data["sites"] = [{"city": city, "state": state}]
        title = " ".join(texts[:city_at]) or None
        if city_at + 1 < details_at:
            description = texts[city_at + 1]
        badge_from = city_at + 2
    elif details_at > 0:
        if details_at >= 2 and _is_title_case(texts[0], 14):
            title, description, badge_from = texts[0], texts[1], 2
        else:
            description, badge_from = texts[0], 1
    for line in lines[badge_from:details_at]:
        for part in line.parts:
            if not _ENROLLMENT.match(part):
                _apply_badge(_badge_of(Line(part, line.tag, None)) or part, draft.flags)
    index = details_at
    while index + 1 < len(lines):
        index += 1
        text = texts[index]
        match = _CARD_LABEL.match(text)
        if match:
            value, index = _label_value(lines, index, match.group(2).strip())
            _set_label(draft, match.group(1), value)
            continue
        match = _ENROLLMENT.match(text)
        if match:
            draft.data["enrollment"]["count"] = parse_int(match.group(1))
    for text in texts[:details_at]:
        match = _ENROLLMENT.match(text)
        if match:
            draft.data["enrollment"]["count"] = parse_int(match.group(1))
    if not title and description:
        title = _first_sentence(description)
        draft.warnings.append("card has no title; the first sentence of its description is used")
    if title:
        draft.data["title"] = title
    draft.data["summary"] = description
    draft.data["id"] = record_id(trial_url)
    draft.data["conditions"] = _condition_from_listing_url(page_url)


def parse_listing_cards(
    body: bytes, url: str, *, fetched_at: datetime | None = None
) -> list[TrialRecord]:
    """Records for the trial cards of a condition listing page (may be empty)."""
    root = build_tree(body, url)
    records: list[TrialRecord] = []
    for trial_url, card in _card_elements(root, url):
        lines = linearize(card)
        if not any(_ENROLLMENT.match(line.text) for line in lines) and not any(
            line.text.lower() == "trial details" for line in lines
        ):
            continue  # a plain link to a trial, not a card
        draft = _new_draft()
        _parse_card(lines, trial_url, url, draft)
        if not draft.data.get("title"):
            continue
        draft.data["source"] = _source(body, url, fetched_at, draft.warnings)
        records.append(_validated(draft.data, f"{url} (card {trial_url})"))
    if not records and not _is_listing_url(url):
        raise ParseError(url, "not a listing page: no trial cards found")
    return records


def _is_listing_url(url: str) -> bool:
    return "/clinical-trials/" in _split(url).path


@dataclass(frozen=True)
class ListingLinks:
    """Links a condition listing page offers: trial pages and other result pages."""

    trial_urls: list[str]
    page_urls: list[str]
    next_url: str | None


def _page_number(url: str) -> int:
    values = parse_qs(_split(url).query).get("page", [])
    return int(values[0]) if values and values[0].isdigit() else 1


def listing_page_links(body: bytes, url: str) -> ListingLinks:
    """Trial page URLs and pagination URLs of a listing page (by href pattern and link text)."""
    root = build_tree(body, url)
    current_path = _split(url).path
    current = _page_number(url)
    trials: list[str] = []
    pages: list[str] = []
    next_url: str | None = None
    for anchor in anchors(root):
        target = absolute(url, anchor.get("href"))
        if not target:
            continue
        if _is_trial_href(target):
            clean = target.split("?", 1)[0]
            if clean not in trials:
                trials.append(clean)
            continue
        parts = _split(target)
        if parts.path != current_path or "page" not in parse_qs(parts.query):
            continue
        number = _page_number(target)
        if number != current and target not in pages:
            pages.append(target)
        label = anchor.text_content().strip().lower()
        if number == current + 1 and (next_url is None or label.startswith("next")):
            next_url = target
    return ListingLinks(trial_urls=trials, page_urls=pages, next_url=next_url)
