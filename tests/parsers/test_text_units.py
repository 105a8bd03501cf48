"""Durations, ages, numbers and the label vocabularies of listing pages."""

from __future__ import annotations

import pytest

from parsers.records import Phase, Sex, TrialStatus
from parsers.text_units import looks_like_duration, parse_age_range, parse_duration_days, parse_int
from parsers.text_vocab import (
    arm_type_from_label,
    phases_from_label,
    sex_from_label,
    status_from_label,
)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2-4 weeks", (14, 28)),
        ("5 years", (1826, 1826)),
        ("4 weeks", (28, 28)),
        ("1-2 weeks", (7, 14)),
        ("2 – 4 weeks", (14, 28)),
        ("6 months", (183, 183)),
        ("1 year", (365, 365)),
        ("3 days", (3, 3)),
        ("up to 24 months", (None, 731)),
        ("Varies", (None, None)),
        ("Baseline and week 26", (None, None)),
        ("4-2 weeks", (None, None)),
    ],
)
def test_durations(text: str, days: tuple[int | None, int | None]) -> None:
    assert parse_duration_days(text) == days


def test_looks_like_duration() -> None:
    assert looks_like_duration("Varies")
    assert looks_like_duration("2-4 weeks")
    assert not looks_like_duration("Participants are screened")


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("18+", (18, None)),
        ("18 - 75", (18, 75)),
        ("18 to 75 years", (18, 75)),
        ("65 and older", (65, None)),
        ("Under 18", (None, 18)),
        ("6 months - 17 years", (0.5, 17)),
        ("All ages", (None, None)),
        ("75 - 18", None),
        ("old enough", None),
        ("999+", None),
    ],
)
def test_ages(text: str, ages: tuple[float | None, float | None] | None) -> None:
    assert parse_age_range(text) == ages


@pytest.mark.parametrize(
    ("text", "value"), [("1,998", 1998), ("602,000+", 602000), ("42", 42), ("many", None)]
)
def test_ints(text: str, value: int | None) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    ("label", "phases"),
    [
        ("Phase 2", [Phase.PHASE2]),
        ("Phase 1 & 2", [Phase.PHASE1, Phase.PHASE2]),
        ("Phase 1/2", [Phase.PHASE1, Phase.PHASE2]),
        ("PHASE1|PHASE2", [Phase.PHASE1, Phase.PHASE2]),
        ("Early Phase 1", [Phase.EARLY_PHASE1]),
        ("Unphased", [Phase.NA]),
        ("Phase 7", None),
        ("Stage 2", None),
    ],
)
def test_phases(label: str, phases: list[Phase] | None) -> None:
    assert phases_from_label(label) == phases


def test_status_sex_and_arm_labels() -> None:
    assert status_from_label("Recruiting") is TrialStatus.RECRUITING
    assert status_from_label("Waitlist Available") is TrialStatus.NOT_YET_RECRUITING
    assert status_from_label("Active, not recruiting") is TrialStatus.ACTIVE_NOT_RECRUITING
    assert status_from_label("Maybe") is None
    assert sex_from_label("Any") is Sex.ALL
    assert sex_from_label("Female") is Sex.FEMALE
    assert sex_from_label("Male") is Sex.MALE
    assert arm_type_from_label("Experimental Treatment") == "EXPERIMENTAL"
    assert arm_type_from_label("Active Control") == "ACTIVE_COMPARATOR"
    assert arm_type_from_label("Placebo Group") == "PLACEBO_COMPARATOR"
