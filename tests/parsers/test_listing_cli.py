"""`trialdex parse`: good and bad files in one batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from parsers.listing import MAX_PAGE_BYTES
from trialdex.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "listing"


def _copy(case: str, target: Path) -> Path:
    folder = target / case
    folder.mkdir()
    for name in ("page.html", "url.txt"):
        shutil.copy(FIXTURES / case / name, folder / name)
    return folder / "page.html"


def test_batch_with_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _copy("seed_react", tmp_path)
    cards = _copy("cards_react", tmp_path)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    latin1 = tmp_path / "latin1.html"
    latin1.write_bytes("<html><body><h1>Café trial</h1></body></html>".encode("latin-1"))
    truncated = tmp_path / "truncated.html"
    truncated.write_bytes(good.read_bytes()[:5000])
    not_trial = tmp_path / "learning.html"
    not_trial.write_bytes(
        b"<html><body><h1>How do clinical trials work?</h1><p>Trials test things.</p></body></html>"
    )
    huge = tmp_path / "huge.html"
    with huge.open("wb") as fh:
        fh.truncate(MAX_PAGE_BYTES + 1)
    missing = tmp_path / "missing.html"

    status = main(
        [
            "parse",
            str(good),
            str(empty),
            str(latin1),
            str(truncated),
            str(cards),
            str(not_trial),
            str(huge),
            str(missing),
        ]
    )
    out, err = capsys.readouterr()

    assert status == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == [
        "listing:withpower.com:phase-2-multiple-myeloma-8-2017-3c5d1",
        "listing:withpower.com:phase-3-depressive-disorder-1-2019-7f0a9",
        "listing:withpower.com:unphased-depression-4-2024-0f0f0",
        "listing:withpower.com:phase-2-depressive-disorder-treatment-resistant-9-2025-c3d4e",
    ]
    assert records[0]["source"]["url"] == (FIXTURES / "seed_react" / "url.txt").read_text().strip()
    lines = err.splitlines()
    assert len(lines) == 6
    reasons = dict(line.split(": ", 2)[1:] for line in lines)
    assert reasons[str(empty)] == "empty page"
    assert reasons[str(latin1)].startswith("not a trial page")  # read as Windows-1252
    assert reasons[str(truncated)].startswith("truncated page")
    assert reasons[str(not_trial)].startswith("not a trial page")
    assert reasons[str(huge)].startswith("file too large")
    assert reasons[str(missing)] == "no such file"
    assert all(line.startswith("trialdex parse: ") for line in lines)


def test_all_good_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = _copy("older_layout", tmp_path)
    assert main(["parse", str(page)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["title"] == "Letrozole + Exercise for Breast Cancer (LEXI Trial)"


def test_url_option_and_file_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "alone.html"
    page.write_bytes((FIXTURES / "seed_text_paragraphs" / "page.html").read_bytes())
    assert main(["parse", str(page)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["source"]["url"] == page.resolve().as_uri()
    assert record["id"] == "listing:local:alone"

    assert main(["parse", "--url", "https://example.org/trial/abc", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "listing:example.org:abc"

    (tmp_path / "alone.html.url").write_text("https://withpower.com/trial/xyz\n")
    assert main(["parse", "--source", "listing", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "listing:withpower.com:xyz"


def test_forced_source_mismatch_is_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _copy("seed_semantic", tmp_path)
    assert main(["parse", "--source", "listing-cards", str(page)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1


def test_registry_files_in_the_same_batch(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study_json = sorted((corpus / "ctgov_v2").glob("NCT*.json"))[0]
    study_xml = sorted((corpus / "ctgov_xml").glob("NCT*.xml"))[0]
    api_page = tmp_path / "studies.json"
    study = json.loads(study_json.read_bytes())
    api_page.write_text(json.dumps({"studies": [study, {"protocolSection": 7}]}))
    listing = _copy("seed_semantic", tmp_path)

    status = main(["parse", str(study_json), str(study_xml), str(api_page), str(listing)])
    out, err = capsys.readouterr()

    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert ids == [
        f"ctgov:{study_json.stem}",
        f"ctgov:{study_xml.stem}",
        f"ctgov:{study_json.stem}",
        "listing:withpower.com:phase-2-multiple-myeloma-8-2017-3c5d1",
    ]
    assert status == 1
    assert len(err.splitlines()) == 1
    assert err.startswith(f"trialdex parse: {api_page} (")
