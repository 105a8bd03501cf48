"""`trialdex index` and `trialdex search` on the embedded SQLite backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.index.factory import contract_records
from trialdex.cli import main


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    lines = [r.to_json() for r in contract_records()]
    lines.insert(3, '{"id": "bad"}')
    lines.insert(5, "not json")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_index_reports_bad_lines_and_goes_on(
    records_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, failures = tmp_path / "t.sqlite", tmp_path / "failures.jsonl"
    status = main(["index", str(records_file), "--backend", "sqlite", "--path", str(db),
                   "--failures", str(failures)])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 1
    assert "indexed 63, failed 2" in out
    assert f"{records_file}:4" in err and "not JSON" in err
    lines = [json.loads(line) for line in failures.read_text().splitlines()]
    assert [f["id"] for f in lines] == [f"{records_file}:4", f"{records_file}:6"]

    status = main(["search", "myeloma", "-f", "phase=phase2", "--near", "40.7,-74",
                   "--radius", "50mi", "--path", str(db), "--backend", "sqlite"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert status == 0
    assert "Lenalidomide Maintenance for Multiple Myeloma" in out
    assert "km: New York, New York, United States]" in out
    assert "phase: *PHASE2" in out

    status = main(["search", "--json", "--size", "2", "--facets", "phase", "--path", str(db),
                   "--backend", "sqlite"])  # fmt: skip
    body = json.loads(capsys.readouterr().out)
    assert body["total"] == 63 and len(body["hits"]) == 2 and body["next_cursor"]
    assert [f["name"] for f in body["facets"]] == ["phase"]

    assert main(["search", "myel", "--suggest", "condition", "--path", str(db),
                 "--backend", "sqlite"]) == 0  # fmt: skip
    assert capsys.readouterr().out.splitlines() == ["Multiple Myeloma", "Plasma Cell Myeloma"]


def test_bad_search_input_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "t.sqlite")
    assert main(["search", "-f", "phase=PHASE9", "--path", db, "--backend", "sqlite"]) == 1
    assert "filter phase: 'PHASE9' is not one of" in capsys.readouterr().err
    assert main(["search", "-f", "colour", "--path", db, "--backend", "sqlite"]) == 1
    assert "expected NAME=VALUE" in capsys.readouterr().err
    assert main(["search", "--cursor", "nonsense", "--path", db, "--backend", "sqlite"]) == 1
    assert "cursor" in capsys.readouterr().err


@pytest.mark.elasticsearch
def test_index_into_elasticsearch_with_migrate(
    records_file: Path, es_server: object, es_index_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = es_server.url  # type: ignore[attr-defined]
    args = ["index", str(records_file), "--backend", "es", "--url", url, "--alias", es_index_name]
    assert main([*args, "--migrate"]) == 1  # the two bad lines
    assert "elasticsearch: indexed 63, failed 2" in capsys.readouterr().out
    assert main(["search", "revlimid", "--backend", "es", "--url", url, "--alias", es_index_name,
                 "--size", "1"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("14 trials (elasticsearch")


def test_index_remove_missing_deletes_what_a_source_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = contract_records()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(r.to_json() + "\n" for r in records))
    kept = [r for r in records if r.id != "ctgov:NCT03937141"]
    second.write_text("".join(r.to_json() + "\n" for r in kept))
    db = str(tmp_path / "t.sqlite")
    assert main(["index", str(first), "--backend", "sqlite", "--path", db]) == 0
    assert main(["index", str(second), "--backend", "sqlite", "--path", db,
                 "--remove-missing", "ctgov"]) == 0  # fmt: skip
    assert "deleted 1" in capsys.readouterr().out
    assert main(["search", "-f", "source=ctgov", "--path", db, "--backend", "sqlite"]) == 0
    assert capsys.readouterr().out.startswith("1 trials")


def test_index_migrate_on_sqlite_rebuilds_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.sqlite"
    sqlite = ["--backend", "sqlite", "--path", str(db)]
    for name, records in (("all", contract_records()), ("few", contract_records()[:4])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(r.to_json() + "\n" for r in records))
        # --force: four trials in place of 63 is a drop the comparison would refuse.
        migrate = ["--migrate", "--force"] if name == "few" else []
        assert main(["index", str(path), *migrate, *sqlite]) == 0
    assert "sqlite: indexed 4, failed 0" in capsys.readouterr().out
    assert main(["search", *sqlite]) == 0
    assert capsys.readouterr().out.startswith("4 trials")
    assert not db.with_name(db.name + ".rebuild").exists()


def test_index_migrate_refuses_an_index_worse_than_the_live_one_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = ["--backend", "sqlite", "--path", str(tmp_path / "t.sqlite")]
    everything, ctgov = tmp_path / "all.jsonl", tmp_path / "ctgov.jsonl"
    everything.write_text("".join(r.to_json() + "\n" for r in contract_records()))
    ctgov.write_text("".join(r.to_json() + "\n" for r in contract_records()[-1:]))
    assert main(["index", str(everything), *sqlite]) == 0
    capsys.readouterr()

    assert main(["index", str(ctgov), "--migrate", *sqlite]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"trialdex index: rebuilt index not swapped into SQLite {tmp_path}")
    assert "source ctgov: trials live 2, new 1 (-50.0%; allowed -10.0%)" in err
    assert "source test" not in err  # only the sources of the files are judged
    assert err.rstrip().endswith("If the drop is expected, run it again with --force.")
    assert main(["search", *sqlite]) == 0
    assert capsys.readouterr().out.startswith(f"{len(contract_records())} trials")

    assert main(["index", str(ctgov), "--migrate", "--force", *sqlite]) == 0
    out, err = capsys.readouterr()
    assert "sqlite: indexed 1, failed 0" in out
    assert "forced: source ctgov: trials live 2, new 1" in err
    assert main(["search", *sqlite]) == 0
    assert capsys.readouterr().out.startswith("1 trials")
    assert main(["index", str(ctgov), "--force", *sqlite]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "500"], "size: 500 is over the maximum page size of 100"),
        (["-f", "colour=red"], "colour: unknown query parameter 'colour'"),
        (["--radius", "5km"], "radius_km: radius needs near=LAT,LON"),
    ],
)
def test_search_errors_name_the_parameter_as_the_api_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = str(tmp_path / "t.sqlite")
    assert main(["search", *args, "--path", db, "--backend", "sqlite"]) == 1
    assert message in capsys.readouterr().err
