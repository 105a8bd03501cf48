"""The sections of a trial page after the header, one reader each.

Each reader takes the visible lines under one heading (`parsers.listing.dom`)
and returns a frozen value; `parsers.listing.trial_page` puts them together.
Readers never fail: what they cannot place they leave out.

* Summary: free lines before the first question are the summary paragraph;
  a line ending in "?" (at most 250 characters) opens a question, the lines
  after it are its answer, with citation markers decoded against the number of
  references (`parsers.citations`). Trailing link text ("Check my eligibility",
  "See study design", "See more"...) is dropped.
* Research team: per person an optional initials avatar, "Name, Degrees", a
  role (a short line naming a role word such as "Investigator" or "Director"),
  an affiliation. Initials glued to the name ("ALAnn Lee") and a role glued to
  the affiliation ("Principal InvestigatorSkin Institute") are split.
* Eligibility criteria: free lines before the first list are its summary;
  "Inclusion Criteria" and "Exclusion Criteria" open the lists; "See <N> more"
  adds N to the list's total. Form controls ("Select...", "Yes", "No") and the
  lists' notes ("You may be eligible if…") are dropped; bullets are stripped.
* Eligibility checklist (older layout): "Must have" and "Must not have" lists,
  read the same way; a total only where a "See <N> more" says so.
* Timeline: a stage name (Screening, Treatment, Follow-up, ...) opens a stage;
  then a description and a duration, on their own lines or after the name
  ("Screening 3 weeks"). Durations become day ranges (`parsers.text_units`).
* Awards & highlights: one badge per inline piece (`parsers.listing.labels`).
* Who is running the trial: "<org> Lead Sponsor" / "<org> Collaborator" (the
  role on the organisation's line or the next), "Trials" and "Recruited" with
  their numbers (on the same line, the next line, or all glued:
  "Trials1,998Recruited602,000+").
* Registry ids: NCT, ISRCTN, EudraCT and ACTRN numbers anywhere on the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from parsers.citations import extract_citations
from parsers.listing.dom import Line
from parsers.listing.labels import Person, part_badges, person
from parsers.text_units import looks_like_duration, parse_duration_days, parse_int

# --- summary ------------------------------------------------------------------------------

_QUESTION = re.compile(r"\?\s*$")
_LINK_TAIL = re.compile(
    r"\s*(?:Check my eligibility|See study design|See more|Read more|Learn more)\s*$", re.I
)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Summary:
    paragraph: str | None
    qa: tuple[Answer, ...]
    warnings: tuple[str, ...]

    @property
    def found(self) -> bool:
        return self.paragraph is not None or bool(self.qa)

    @property
    def purpose(self) -> str | None:
        """The answer to "What is the purpose of this trial?" (or the like)."""
        return next(
            (a.answer for a in self.qa if "purpose" in a.question.lower() and a.answer), None
        )


def read_summary(lines: list[Line], n_refs: int) -> Summary:
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
    warnings: list[str] = []
    qa: list[Answer] = []
    for number, (question, answer_lines) in enumerate(blocks, start=1):
        cited = extract_citations(" ".join(a for a in answer_lines if a), n_refs, f"qa {number}")
        warnings.extend(cited.warnings)
        qa.append(Answer(question, cited.text, tuple(cited.citations)))
    paragraph = " ".join(t for t in intro if t) if intro else None
    return Summary(paragraph, tuple(qa), tuple(warnings))


# --- research team ------------------------------------------------------------------------

_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_GLUED_INITIALS = re.compile(r"^([A-Z]{1,3})([A-Z][a-z].*)$")
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
            glued = _GLUED_INITIALS.match(part)
            if glued:
                name = glued.group(2).split(",")[0]
                if "".join(w[0] for w in name.split()) == glued.group(1):
                    items += [glued.group(1), glued.group(2)]
                    continue
            role = _ROLE_FIRST.match(part)
            if role:
                items += [role.group(1), role.group(2)]
                continue
            items.append(part)
    return items


def read_team(lines: list[Line]) -> tuple[Person, ...]:
    people: list[Person] = []
    expect = "name"
    for text in _team_items(lines):
        if _INITIALS.match(text):
            expect = "name"
            continue
        if expect == "name":
            people.append(person(text))
            expect = "role"
        elif expect == "role" and _ROLE.search(text) and len(text) < 60:
            people[-1] = replace(people[-1], role=text)
            expect = "affiliation"
        else:
            people[-1] = replace(people[-1], affiliation=text)
            expect = "name"
    return tuple(people)


# --- eligibility --------------------------------------------------------------------------

_SEE_MORE = re.compile(r"^(?:\+\s*)?See (\d+) more(?: criteria)?$", re.I)
_CRITERIA_NOTE = re.compile(r"^(?:You may be eligible if|Specific guidelines that determine)", re.I)
_CONTROLS = frozenset({"select...", "select", "yes", "no"})
_BULLET = re.compile(r"^[•·\-*]\s*")


@dataclass(frozen=True)
class Criteria:
    """Criteria lists as shown; a list is None when the section has no such list."""

    summary: str | None = None
    inclusion: tuple[str, ...] | None = None
    exclusion: tuple[str, ...] | None = None
    inclusion_total: int | None = None
    exclusion_total: int | None = None


@dataclass(frozen=True)
class _Lists:
    intro: tuple[str, ...]
    lists: dict[str, list[str]]
    more: dict[str, int]


def _criteria_lists(lines: list[Line], starts: dict[str, str]) -> _Lists:
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
            lists[mode].append(_BULLET.sub("", text))
    return _Lists(tuple(intro), lists, more)


def _listed(found: _Lists, kind: str) -> tuple[str, ...] | None:
    return tuple(found.lists[kind]) if kind in found.lists else None


def read_eligibility(lines: list[Line]) -> Criteria:
    found = _criteria_lists(
        lines, {"inclusion criteria": "inclusion", "exclusion criteria": "exclusion"}
    )

    def total(kind: str) -> int | None:
        return len(found.lists[kind]) + found.more.get(kind, 0) if kind in found.lists else None

    return Criteria(
        summary=" ".join(found.intro) if found.intro else None,
        inclusion=_listed(found, "inclusion"),
        exclusion=_listed(found, "exclusion"),
        inclusion_total=total("inclusion"),
        exclusion_total=total("exclusion"),
    )


def read_checklist(lines: list[Line]) -> Criteria:
    found = _criteria_lists(lines, {"must have": "inclusion", "must not have": "exclusion"})

    def total(kind: str) -> int | None:
        if kind in found.more and found.lists.get(kind):
            return len(found.lists[kind]) + found.more[kind]
        return None

    return Criteria(
        inclusion=_listed(found, "inclusion"),
        exclusion=_listed(found, "exclusion"),
        inclusion_total=total("inclusion"),
        exclusion_total=total("exclusion"),
    )


# --- timeline -----------------------------------------------------------------------------

_STAGE = re.compile(
    r"^(Screening|Treatment|Follow[- ]?up|Run[- ]?in|Washout|Observation|Extension|"
    r"Enrollment|Baseline|Maintenance)\b\s*:?\s*(.*)$",
    re.I,
)


@dataclass(frozen=True)
class Stage:
    stage: str
    description: str | None
    text: str | None
    min_days: int | None
    max_days: int | None


@dataclass
class _OpenStage:
    stage: str
    description: str | None = None
    text: str | None = None


def read_timeline(lines: list[Line]) -> tuple[Stage, ...]:
    stages: list[_OpenStage] = []
    for line in lines:
        text = line.text
        parts = line.parts
        match = _STAGE.match(parts[0] if len(parts) > 1 else text)
        if match:
            rest = " ".join(parts[1:]) if len(parts) > 1 else match.group(2)
            # "Treatment of the first group…" is text of the stage before while that stage
            # still waits for its duration, not a stage of its own.
            if not rest or looks_like_duration(rest) or not stages or stages[-1].text is not None:
                stages.append(_OpenStage(match.group(1), text=rest or None))
                continue
        if not stages:
            continue
        stage = stages[-1]
        if stage.text is None and (looks_like_duration(text) or stage.description):
            stage.text = text
        elif stage.description is None:
            stage.description = text
    return tuple(
        Stage(
            s.stage,
            s.description,
            s.text,
            *(parse_duration_days(s.text) if s.text else (None, None)),
        )
        for s in stages
    )


# --- awards -------------------------------------------------------------------------------


def read_awards(lines: list[Line]) -> tuple[str, ...]:
    return tuple(part_badges(lines))


# --- who is running the trial -------------------------------------------------------------

_STAT = re.compile(r"^(Trials|Recruited)\s*:?\s*([\d,]+\+?)?$", re.I)
_STATS_GLUED = re.compile(r"(Trials|Recruited)\s*:?\s*(\d[\d,]*\+?)", re.I)
_ORG_ROLE = re.compile(r"^(?P<name>.*?)\s*(?P<role>Lead Sponsor|Collaborator|Sponsor)$")


@dataclass(frozen=True)
class SponsorStats:
    trials: int | None
    recruited: int | None


@dataclass(frozen=True)
class Running:
    """Who runs the trial: the first lead sponsor, collaborators, the sponsor's numbers."""

    sponsor: str | None
    collaborators: tuple[str, ...]
    stats: SponsorStats | None


def _stat_name(label: str) -> str:
    return "trials" if label.lower() == "trials" else "recruited"


def read_sponsor(lines: list[Line]) -> Running:
    stats: dict[str, int | None] = {}
    sponsor: str | None = None
    collaborators: list[str] = []
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
            if match.group(2):
                stats[_stat_name(match.group(1))] = parse_int(match.group(2))
            else:
                waiting = _stat_name(match.group(1))
            continue
        glued = _STATS_GLUED.findall(text)
        if len(glued) == 2 and _STATS_GLUED.sub("", text).strip() == "":
            for label, value in glued:
                stats[_stat_name(label)] = parse_int(value)
            continue
        match = _ORG_ROLE.match(text)
        if match:
            org = match.group("name") or pending
            pending = None
            if not org:
                continue
            if match.group("role") == "Collaborator":
                collaborators.append(org)
            elif sponsor is None:
                sponsor = org
            continue
        pending = text
    numbers = SponsorStats(stats.get("trials"), stats.get("recruited")) if stats else None
    return Running(sponsor, tuple(collaborators), numbers)


# --- registry ids -------------------------------------------------------------------------

_REGISTRY_IDS = re.compile(r"\b(NCT\d{8}|ISRCTN\d{8}|\d{4}-\d{6}-\d{2}|ACTRN\d{14})\b")


def read_registry_ids(lines: Iterable[Line]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for line in lines:
        # Every id holds one of these; most lines hold none, and the pattern is slower.
        if "NCT" in line.text or "ISRCTN" in line.text or "-" in line.text:
            found.update(dict.fromkeys(_REGISTRY_IDS.findall(line.text)))
    return tuple(found)
