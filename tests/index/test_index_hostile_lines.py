"""`trialdex index` on damaged input: a line of invalid UTF-8 costs only that line, and a
directory argument indexes the record files in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.sqlite_backend import SqliteBackend
from tests.index.factory import contract_records
from trialdex.cli import main


def _index(args: list[str], db: Path, failures: Path) -> int:
    return main(["index", *args, "--backend", "sqlite", "--path", str(db),
                 "--failures", str(failures)])  # fmt: skip


def _indexed_ids(db: Path) -> set[str]:
    backend = SqliteBackend(db)
    try:
        return backend.ids()
    finally:
        backend.close()


def _searchable_total(db: Path, capsys: pytest.CaptureFixture[str]) -> int:
    assert main(["search", "--json", "--size", "1", "--path", str(db),
                 "--backend", "sqlite"]) == 0  # fmt: skip
    total: int = json.loads(capsys.readouterr().out)["total"]
    return total


def test_invalid_utf8_line_is_a_failure_and_every_good_line_is_indexed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = contract_records()
    lines = [r.to_json().encode() for r in records]
    # In the middle of the good lines, so records on both sides of it must survive.
    lines.insert(10, b'{"id": "x", "title": "M\xfcller \xff\xfe"}')
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    db, failures = tmp_path / "t.sqlite", tmp_path / "failures.jsonl"

    assert _index([str(path)], db, failures) == 1
    out, err = capsys.readouterr()
    assert f"indexed {len(records)}, failed 1" in out
    assert f"{path}:11" in err and "not UTF-8" in err
    reported = [json.loads(line) for line in failures.read_text().splitlines()]
    assert [f["id"] for f in reported] == [f"{path}:11"]
    assert "not UTF-8" in reported[0]["reason"]
    assert _indexed_ids(db) == {r.id for r in records}
    assert _searchable_total(db, capsys) == len(records)


def test_a_directory_indexes_its_jsonl_files_in_name_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = contract_records()
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "b.jsonl").write_text("".join(r.to_json() + "\n" for r in records[5:]))
    (folder / "a.jsonl").write_text("".join(r.to_json() + "\n" for r in records[:5]))
    (folder / "notes.txt").write_text("not records\n")
    db, failures = tmp_path / "t.sqlite", tmp_path / "failures.jsonl"

    assert _index([str(folder)], db, failures) == 0
    assert f"indexed {len(records)}, failed 0" in capsys.readouterr().out
    assert _indexed_ids(db) == {r.id for r in records}


def test_a_directory_without_record_files_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert _index([str(folder)], tmp_path / "t.sqlite", tmp_path / "f.jsonl") == 2
    assert f"{folder}: directory holds no *.jsonl files" in capsys.readouterr().err
