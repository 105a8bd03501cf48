"""The record schema: contract fields, validation messages, JSON round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.config import shared_dir
from parsers.errors import RecordValidationError
from parsers.records import json_schema, read_records, validate_record, write_records
from trialdex.cli import main

CONTRACT = shared_dir() / "design" / "record.md"

MINIMAL = {
    "id": "listing:example:a-trial",
    "source": {"name": "listing", "parser_version": "1"},
    "title": "A trial",
}


def contract_fields() -> dict[str, list[str]]:
    """Top-level fields and the sub-field names record.md gives for each."""
    fields: dict[str, list[str]] = {}
    for line in CONTRACT.read_text().splitlines():
        match = re.match(r"^\| `(\w+)` \| ([^|]+) \| (.*)\|$", line)
        if match:
            name, kind, meaning = match.groups()
            # Examples in parentheses ("e.g. `ctgov`") are values, not sub-fields.
            described = re.sub(r"\([^)]*\)", "", meaning)
            subs = re.findall(r"`(\w+)`", described) if "object" in kind else []
            fields[name] = subs
    return fields


def test_schema_has_every_contract_field() -> None:
    if not CONTRACT.exists():
        pytest.fail(f"contract not found at {CONTRACT}")
    fields = contract_fields()
    assert len(fields) >= 25
    schema = json_schema()
    defs = schema["$defs"]
    assert set(fields) <= set(schema["properties"])
    for name, subs in fields.items():
        prop = schema["properties"][name]
        ref = (
            prop.get("$ref")
            or next(
                (alt.get("$ref") for alt in prop.get("anyOf", []) if "$ref" in alt),
                None,
            )
            or prop.get("items", {}).get("$ref")
        )
        if not ref or "properties" not in defs[ref.split("/")[-1]]:
            continue
        sub_props = defs[ref.split("/")[-1]].get("properties", {})
        # Sub-fields named in the meaning column that are field names (not enum values).
        for sub in subs:
            if sub.islower():
                assert sub in sub_props, f"{name}.{sub} missing"


def test_cli_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == "TrialRecord"
    assert set(contract_fields()) <= set(printed["properties"])


def test_minimal_record_defaults_are_unknown_not_no() -> None:
    record = validate_record(MINIMAL)
    data = record.to_dict()
    assert data["status"] is None
    assert data["phases"] == []
    assert data["flags"] == {
        "placebo": None,
        "prior_safety_data": None,
        "approved_jurisdictions": None,
        "badges": [],
    }
    assert data["eligibility"]["min_age_years"] is None
    assert data["enrollment"] == {"count": None, "type": None}


def test_sponsor_class_uses_contract_name() -> None:
    record = validate_record({**MINIMAL, "sponsor": {"name": "NCI", "class": "nih"}})
    assert record.to_dict()["sponsor"] == {"name": "NCI", "class": "NIH"}
    assert '"class":"NIH"' in record.to_json()


def test_validation_error_names_field_and_value() -> None:
    bad = {**MINIMAL, "eligibility": {"min_age_years": "eighteen"}, "phases": ["PHASE9"]}
    with pytest.raises(RecordValidationError) as info:
        validate_record(bad, origin="page.html")
    message = str(info.value)
    assert message.startswith("page.html: ")
    assert "eligibility.min_age_years" in message and "'eighteen'" in message
    assert "phases.0" in message and "'PHASE9'" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("id", "no-scheme"),
        ("dates", {"start": "2024-13"}),
        ("unknown_field", 1),
    ],
)
def test_invalid_values_are_rejected(field: str, value: object) -> None:
    with pytest.raises(RecordValidationError, match=field):
        validate_record({**MINIMAL, field: value})


def test_registry_ids_upper_case_and_text_cleaned() -> None:
    record = validate_record(
        {**MINIMAL, "registry_ids": [" nct01234567 "], "title": "  A\n  trial\u00a0 "}
    )
    assert record.registry_ids == ["NCT01234567"]
    assert record.title == "A trial"


def test_jsonl_round_trip(tmp_path: Path) -> None:
    records = [validate_record({**MINIMAL, "id": f"listing:example:t{i}"}) for i in range(3)]
    path = tmp_path / "records.jsonl"
    assert write_records(path, records) == 3
    assert [r.id for r in read_records(path)] == [r.id for r in records]


def test_jsonl_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(MINIMAL) + "\n{not json\n")
    with pytest.raises(RecordValidationError, match=r"records.jsonl:2: not JSON"):
        list(read_records(path))


def test_read_records_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    good = json.dumps(MINIMAL).encode()
    path.write_bytes(good + b"\n" + b'{"id": "\xff\xfe"}\n')
    reader = read_records(path)
    assert next(reader).id == MINIMAL["id"]
    with pytest.raises(RecordValidationError, match=r"records.jsonl:2: not UTF-8"):
        next(reader)
