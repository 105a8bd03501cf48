"""Field-by-field golden checks of hand-verified ClinicalTrials.gov records.

Each ``tests/fixtures/ctgov/<NCT>/expected.json`` names its corpus input and
the expected value of some record fields, written from reading the raw study:
``{"input": "ctgov_v2/NCT....json", "why": "...", "fields": {PATH: VALUE}}``.
A PATH is dotted (``eligibility.min_age_years``, ``sites.0``,
``eligibility.inclusion.11``) or ``len(PATH)``. The input is read from the
corpus at test time, never copied here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers.ctgov import parse_study_json, parse_study_xml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ctgov"
CASES = sorted(p.parent.name for p in FIXTURES.glob("*/expected.json"))


def resolve(data: Any, path: str) -> Any:
    if path.startswith("len(") and path.endswith(")"):
        return len(resolve(data, path[4:-1]))
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_golden_record(case: str, corpus: Path) -> None:
    expected = json.loads((FIXTURES / case / "expected.json").read_text())
    source = corpus / expected["input"]
    raw = source.read_bytes()
    parse = parse_study_xml if source.suffix == ".xml" else parse_study_json
    record = parse(raw, str(source)).to_dict()
    mismatches = []
    for path, value in expected["fields"].items():
        got = resolve(record, path)
        if got != value:
            mismatches.append(f"{path}:\n  expected {value!r}\n  got      {got!r}")
    assert not mismatches, f"{case} ({expected['why']}):\n" + "\n".join(mismatches)
