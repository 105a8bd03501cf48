"""The "Treatment Details" section of a trial page: interventions, overview, arms.

Lines are read in three modes, switched by the lines "Interventions", "Trial
Overview" (its text may follow on the same line) and "Participant Groups";
the section starts in the interventions mode.

* Interventions: one per line, bullet stripped; a trailing "(Drug)",
  "(Device)"... is the intervention type when it is one of the registry's
  types.
* Trial overview: lines joined with spaces.
* Participant groups: "Group I: <label>" (or Arm, Cohort, Part) opens an arm;
  its type ("Experimental Treatment", "Active Control"...) and "<N>
  Intervention(s)" follow as separate pieces, glued to the label, or on the
  next line; the lines after are its description. A type line with no arm
  waiting for one is the legend above the groups and is skipped, as are
  "<N> Treatment groups" and "<N> Interventions". An arm's interventions are
  the listed interventions whose name its label or description mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from parsers.listing.dom import Line
from parsers.text_vocab import arm_type_from_label

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
_TYPED = re.compile(r"^(.+?)\s*\(([^()]+)\)$")
_BULLET = re.compile(r"^[•·\-*]\s*")
_ARM_START = re.compile(r"^(?:Group|Arm|Cohort|Part)\s+[\w.\-]+\s*:", re.I)
_ARM_GLUED = re.compile(
    r"^(?P<label>.+?)(?P<type>Experimental Treatment|Active Control|Placebo Group|No Treatment"
    r"|No Intervention|Sham Treatment)?\s*(?P<n>\d+)\s*Interventions?$"
)
_ARM_COUNT = re.compile(r"^\d+\s*Interventions?$", re.I)
_GROUP_COUNT = re.compile(r"^\d+\s*Treatment groups?$", re.I)


@dataclass(frozen=True)
class InterventionItem:
    name: str
    type: str | None


@dataclass(frozen=True)
class ArmItem:
    label: str
    type: str | None
    description: str | None = None
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Treatment:
    interventions: tuple[InterventionItem, ...]
    arms: tuple[ArmItem, ...]
    overview: str | None


def _intervention(text: str) -> InterventionItem:
    name = _BULLET.sub("", text).strip()
    match = _TYPED.match(name)
    if match and match.group(2).lower() in _INTERVENTION_TYPES:
        return InterventionItem(match.group(1), match.group(2).upper().replace(" ", "_"))
    return InterventionItem(name, None)


def read_treatment(lines: list[Line]) -> Treatment:
    mode = "interventions"
    overview: list[str] = []
    interventions: list[InterventionItem] = []
    arms: list[ArmItem] = []
    for line in lines:
        text = line.text
        key = text.rstrip(":").strip().lower()
        if key == "interventions":
            mode = "interventions"
        elif key == "participant groups":
            mode = "groups"
        elif key.startswith("trial overview"):
            mode = "overview"
            rest = text[len("trial overview") :].strip(" :")
            if rest:
                overview.append(rest)
        elif mode == "interventions":
            interventions.append(_intervention(text))
        elif mode == "overview":
            overview.append(text)
        else:
            _arm_line(line, arms)
    names = [i.name for i in interventions]
    linked = []
    for arm in arms:
        words = f"{arm.label} {arm.description or ''}".lower()
        linked.append(replace(arm, interventions=tuple(n for n in names if n.lower() in words)))
    return Treatment(tuple(interventions), tuple(linked), " ".join(overview) if overview else None)


def _arm_line(line: Line, arms: list[ArmItem]) -> None:
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
        arms.append(ArmItem(label, kind))
        return
    kind = arm_type_from_label(text)
    if kind is not None:
        if arms and arms[-1].type is None and arms[-1].description is None:
            arms[-1] = replace(arms[-1], type=kind)
        return  # otherwise the legend of arm types above the groups
    if arms:
        previous = arms[-1].description
        arms[-1] = replace(arms[-1], description=f"{previous} {text}" if previous else text)
