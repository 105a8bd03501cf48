"""A trial page of a patient-facing listing site (withpower.com and look-alikes) -> `TrialRecord`.

The parser reads what a visitor sees. It never looks at CSS class names (they
are regenerated on every deploy): the page becomes visible lines
(`parsers.listing.dom`), the lines are split into sections at their headings,
and each section has its own reader returning a small frozen value. One
assembler, `trial_record`, turns those values into the record. Three DOM
styles give the same lines and so the same record (golden pages in
``tests/fixtures/listing/``):

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

Sections, top to bottom. A heading is a line of its own, at most 60
characters; case and a trailing colon do not matter. A heading seen twice
continues its section. Lines before the first heading are the header
(`parsers.listing.header`); the readers of the others are in
`parsers.listing.sections`, `parsers.listing.treatment` and
`parsers.listing.refs`:

* "Trial Summary" | "Summary" | "<ACRONYM> Trial Summary"
* "Research Team"
* "Eligibility Criteria" | "<ACRONYM> Trial Eligibility Criteria"
* "Eligibility Criteria Checklist" (older layout; its lists count only where
  the page has no Inclusion/Exclusion lists)
* "Timeline"
* "Awards & highlights" (badges, after the header's)
* "Treatment Details"
* "Find a clinic near you" (read by nobody: its lines stay out of other sections)
* "Who Is Running the Clinical Trial?" (its lead sponsor counts only when
  the header names none)
* "Findings from Research"
* "References" (read first: their count bounds the citation numbers)

Investigators are the header's "Led By" people not named again in the
Research Team, then the team. ``summary`` is the answer to "What is the
purpose of this trial?", else the summary paragraph, else the Trial
Overview. Conditions come from the URL (`parsers.listing.urls`); registry ids
from anywhere on the page. Status "Waitlist Available" maps to
NOT_YET_RECRUITING (the trial takes names for a waitlist but is not
enrolling).

A page is a trial page when it has a title and at least two signs of a trial:
header facts, or any of the summary, team, eligibility, checklist, timeline,
treatment and sponsor sections with something in them (eligibility,
checklist, treatment and sponsor count by being there). Otherwise it is a
`ParseError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

from parsers.errors import ParseError
from parsers.listing.assemble import fact_fields, flags, source, validated
from parsers.listing.dom import Line, build_tree, linearize
from parsers.listing.header import Header, read_header
from parsers.listing.labels import Person
from parsers.listing.refs import FindingEntry, ReferenceEntry, parse_findings, parse_references
from parsers.listing.sections import (
    Criteria,
    Running,
    Stage,
    Summary,
    read_awards,
    read_checklist,
    read_eligibility,
    read_registry_ids,
    read_sponsor,
    read_summary,
    read_team,
    read_timeline,
)
from parsers.listing.treatment import Treatment, read_treatment
from parsers.listing.urls import DEFAULT_RULES, UrlRules
from parsers.records import TrialRecord

__all__ = ["TrialPage", "parse_listing", "read_trial_page", "trial_record"]

_T = TypeVar("_T")

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
    return next((kind for kind, pattern in _HEADINGS if pattern.match(key)), None)


def split_sections(lines: list[Line]) -> dict[str, list[Line]]:
    """The lines under each heading kind; ``header`` holds those before any heading."""
    sections: dict[str, list[Line]] = {"header": []}
    current = sections["header"]
    for line in lines:
        kind = _heading_kind(line.text)
        if kind is not None:
            current = sections.setdefault(kind, [])
            continue
        current.append(line)
    return sections


@dataclass(frozen=True)
class TrialPage:
    """Everything read off one trial page, section by section (None: no such section)."""

    header: Header
    summary: Summary | None
    team: tuple[Person, ...] | None
    eligibility: Criteria | None
    checklist: Criteria | None
    timeline: tuple[Stage, ...] | None
    awards: tuple[str, ...]
    treatment: Treatment | None
    running: Running | None
    findings: tuple[FindingEntry, ...]
    references: tuple[ReferenceEntry, ...]
    registry_ids: tuple[str, ...]
    reference_warnings: tuple[str, ...] = ()

    @property
    def signals(self) -> int:
        """How many signs of a trial the page shows (see the module docstring)."""
        signs = (
            self.summary is not None and self.summary.found,
            bool(self.team),
            bool(self.timeline),
            self.eligibility is not None,
            self.checklist is not None,
            self.treatment is not None,
            self.running is not None,
        )
        return self.header.signals + sum(signs)


def _read(
    sections: dict[str, list[Line]], kind: str, reader: Callable[[list[Line]], _T]
) -> _T | None:
    found = sections.get(kind)
    return None if found is None else reader(found)


def read_trial_page(lines: list[Line]) -> TrialPage:
    """The page's sections, each read by its reader (see the module docstring)."""
    sections = split_sections(lines)
    reference_warnings: list[str] = []
    references = tuple(parse_references(sections.get("references", []), reference_warnings))
    n_refs = max((r.number for r in references), default=0)

    summary = sections.get("summary")
    return TrialPage(
        header=read_header(sections["header"]),
        summary=None if summary is None else read_summary(summary, n_refs),
        team=_read(sections, "team", read_team),
        eligibility=_read(sections, "eligibility", read_eligibility),
        checklist=_read(sections, "checklist", read_checklist),
        timeline=_read(sections, "timeline", read_timeline),
        awards=read_awards(sections.get("awards", [])),
        treatment=_read(sections, "treatment", read_treatment),
        running=_read(sections, "sponsor", read_sponsor),
        findings=tuple(parse_findings(sections.get("findings", []))),
        references=references,
        registry_ids=read_registry_ids(lines),
        reference_warnings=tuple(reference_warnings),
    )


def _eligibility(page: TrialPage, base: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {**base, "inclusion": [], "exclusion": []}
    if page.eligibility is not None:
        if page.eligibility.summary is not None:
            fields["summary"] = page.eligibility.summary
        for kind in ("inclusion", "exclusion"):
            listed = getattr(page.eligibility, kind)
            if listed is not None:
                fields[kind] = list(listed)
                fields[f"{kind}_total"] = getattr(page.eligibility, f"{kind}_total")
    if page.checklist is not None:
        for kind in ("inclusion", "exclusion"):
            # The checklist repeats a few registry criteria; the full lists win when present.
            listed = getattr(page.checklist, kind)
            if listed and not fields[kind]:
                fields[kind] = list(listed)
                total = getattr(page.checklist, f"{kind}_total")
                if total is not None:
                    fields[f"{kind}_total"] = total
    return fields


def _investigators(page: TrialPage) -> list[dict[str, Any]]:
    team = page.team or ()
    named = {p.name for p in team}
    led_by = [p for p in page.header.investigators if p.name not in named]
    return [asdict(p) for p in (*led_by, *team)]


def _summary(page: TrialPage) -> str | None:
    purpose = page.summary.purpose if page.summary else None
    paragraph = page.summary.paragraph if page.summary else None
    overview = page.treatment.overview if page.treatment else None
    return purpose or paragraph or overview


def trial_record(
    page: TrialPage,
    body: bytes,
    url: str,
    *,
    fetched_at: datetime | None = None,
    rules: UrlRules = DEFAULT_RULES,
) -> TrialRecord:
    """The record of a page read by `read_trial_page`; `ParseError` when it is no trial page."""
    header = page.header
    if not header.title:
        raise ParseError(url, "not a trial page: no title found")
    if page.signals < 2:
        raise ParseError(url, "not a trial page: no trial facts or trial sections found")
    facts = fact_fields(header.facts)
    summary = page.summary
    treatment = page.treatment
    running = page.running
    sponsor = header.facts.sponsor or (running.sponsor if running else None)
    data: dict[str, Any] = {
        **facts,
        "id": rules.record_id(url),
        "title": header.title,
        "summary": _summary(page),
        "keywords": list(header.keywords),
        "conditions": rules.conditions_from_url(url),
        "registry_ids": list(page.registry_ids),
        "site_count": header.site_count,
        "eligibility": _eligibility(page, facts["eligibility"]),
        "investigators": _investigators(page),
        "sponsor": {"name": sponsor} if sponsor else None,
        "collaborators": [{"name": c} for c in running.collaborators] if running else [],
        "sponsor_stats": asdict(running.stats) if running and running.stats else None,
        "interventions": [asdict(i) for i in treatment.interventions] if treatment else [],
        "arms": [asdict(a) for a in treatment.arms] if treatment else [],
        "timeline": [asdict(s) for s in page.timeline or ()],
        "flags": flags((*header.badges, *page.awards)),
        "qa": [asdict(a) for a in summary.qa] if summary else [],
        "findings": [asdict(f) for f in page.findings],
        "references": [asdict(r) for r in page.references],
        "source": source(
            body,
            url,
            fetched_at,
            (
                *header.facts.warnings,
                *(summary.warnings if summary else ()),
                *page.reference_warnings,
            ),
        ),
    }
    return validated(data, url)


def parse_listing(
    body: bytes,
    url: str,
    *,
    fetched_at: datetime | None = None,
    rules: UrlRules = DEFAULT_RULES,
    encoding: str | None = None,
) -> TrialRecord:
    """One trial page -> its record; `ParseError` when it is not a readable trial page.

    ``encoding`` is the charset the HTTP response declared, when known (`build_tree`).
    """
    page = read_trial_page(linearize(build_tree(body, url, encoding=encoding)))
    return trial_record(page, body, url, fetched_at=fetched_at, rules=rules)
