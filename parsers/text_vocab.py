"""Visible labels -> the record's vocabularies (status, phase, sex, arm type).

Each function accepts the label as a site prints it and returns ``None`` for a
label it does not know; the caller keeps the raw text where the record has room.
"""

from __future__ import annotations

import re

from parsers.records import Phase, Sex, TrialStatus

_STATUS: dict[str, TrialStatus] = {
    "recruiting": TrialStatus.RECRUITING,
    "open": TrialStatus.RECRUITING,
    "actively recruiting": TrialStatus.RECRUITING,
    "enrolling": TrialStatus.RECRUITING,
    # Power shows "Waitlist Available" where a trial is listed but not yet taking
    # patients (you can join a waitlist); the closest CT.gov status is "not yet recruiting".
    "waitlist available": TrialStatus.NOT_YET_RECRUITING,
    "not yet recruiting": TrialStatus.NOT_YET_RECRUITING,
    "active, not recruiting": TrialStatus.ACTIVE_NOT_RECRUITING,
    "active not recruiting": TrialStatus.ACTIVE_NOT_RECRUITING,
    "enrolling by invitation": TrialStatus.ENROLLING_BY_INVITATION,
    "completed": TrialStatus.COMPLETED,
    "suspended": TrialStatus.SUSPENDED,
    "terminated": TrialStatus.TERMINATED,
    "withdrawn": TrialStatus.WITHDRAWN,
    "available": TrialStatus.AVAILABLE,
    "no longer available": TrialStatus.NO_LONGER_AVAILABLE,
    "temporarily not available": TrialStatus.TEMPORARILY_NOT_AVAILABLE,
    "approved for marketing": TrialStatus.APPROVED_FOR_MARKETING,
    "withheld": TrialStatus.WITHHELD,
    "unknown": TrialStatus.UNKNOWN,
    "unknown status": TrialStatus.UNKNOWN,
}


def status_from_label(label: str) -> TrialStatus | None:
    """``"Recruiting"`` -> RECRUITING, ``"Waitlist Available"`` -> NOT_YET_RECRUITING."""
    key = " ".join(label.replace("_", " ").split()).strip(" .:").lower()
    return _STATUS.get(key)


_PHASE_WORD = re.compile(r"^(?:trial\s+)?phase\s*[:\-]?\s*(.+)$", re.I)
_PHASE_NUMBERS = re.compile(r"^(\d)(?:\s*(?:&|/|and|,|-|\|)\s*(?:phase\s*)?(\d))?$", re.I)
_NA_PHASES = {"unphased", "not applicable", "n/a", "na", "no phase", "none", "phase n/a"}


def phases_from_label(label: str) -> list[Phase] | None:
    """``"Phase 2"`` -> [PHASE2]; ``"Phase 1 & 2"``, ``"Phase 1/2"``, ``"PHASE1|PHASE2"`` ->
    [PHASE1, PHASE2]; ``"Early Phase 1"`` -> [EARLY_PHASE1]; ``"Unphased"`` -> [NA].
    """
    text = " ".join(label.split()).strip(" .").lower()
    if text in _NA_PHASES:
        return [Phase.NA]
    if "|" in text or text.startswith("phase1") or text.startswith("early_phase"):
        found: list[Phase] = []
        for part in text.replace(",", "|").split("|"):
            code = part.strip().upper()
            if code in Phase.__members__ and Phase(code) not in found:
                found.append(Phase(code))
        return found or None
    if text.startswith("early phase"):
        return [Phase.EARLY_PHASE1] if text.removeprefix("early phase").strip() == "1" else None
    match = _PHASE_WORD.match(text)
    if not match:
        return None
    numbers = _PHASE_NUMBERS.match(match.group(1).strip())
    if not numbers:
        return None
    result: list[Phase] = []
    for digit in numbers.groups():
        if digit is None:
            continue
        if digit not in "1234":
            return None
        phase = Phase(f"PHASE{digit}")
        if phase not in result:
            result.append(phase)
    return result


_SEX: dict[str, Sex] = {
    "any": Sex.ALL,
    "all": Sex.ALL,
    "both": Sex.ALL,
    "all sexes": Sex.ALL,
    "male and female": Sex.ALL,
    "female": Sex.FEMALE,
    "females": Sex.FEMALE,
    "women": Sex.FEMALE,
    "female only": Sex.FEMALE,
    "male": Sex.MALE,
    "males": Sex.MALE,
    "men": Sex.MALE,
    "male only": Sex.MALE,
}


def sex_from_label(label: str) -> Sex | None:
    """``"Any"``/``"All"`` -> ALL, ``"Female"`` -> FEMALE, ``"Male"`` -> MALE."""
    return _SEX.get(" ".join(label.split()).strip(" .").lower())


ARM_TYPES: dict[str, str] = {
    "experimental treatment": "EXPERIMENTAL",
    "experimental": "EXPERIMENTAL",
    "active control": "ACTIVE_COMPARATOR",
    "active comparator": "ACTIVE_COMPARATOR",
    "placebo group": "PLACEBO_COMPARATOR",
    "placebo comparator": "PLACEBO_COMPARATOR",
    "placebo": "PLACEBO_COMPARATOR",
    "sham treatment": "SHAM_COMPARATOR",
    "sham comparator": "SHAM_COMPARATOR",
    "no treatment": "NO_INTERVENTION",
    "no intervention": "NO_INTERVENTION",
    "other": "OTHER",
}


def arm_type_from_label(label: str) -> str | None:
    """``"Experimental Treatment"`` -> EXPERIMENTAL, ``"Active Control"`` -> ACTIVE_COMPARATOR."""
    return ARM_TYPES.get(" ".join(label.split()).strip(" .").lower())
