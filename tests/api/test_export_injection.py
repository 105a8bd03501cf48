"""CSV exports neutralise cells a spreadsheet would run as formulas (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.export import neutralise
from index.factory import open_backend
from tests.api.records import crowd_record

HOSTILE = ['=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    backend = open_backend("sqlite", path=tmp_path_factory.mktemp("csv") / "t.sqlite")
    backend.setup()
    records = [
        crowd_record(n).model_copy(update={"id": f"test:hostile-{n}", "title": title})
        for n, title in enumerate(HOSTILE)
    ]
    assert backend.index_records(records).ok
    with TestClient(create_app(backend)) as client:
        yield client
    backend.close()


def test_export_csv_quotes_formula_titles(hostile_client: TestClient) -> None:
    response = hostile_client.get("/v1/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(row["title"] for row in rows) == sorted("'" + title for title in HOSTILE)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"], ids=repr)
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert neutralise(start + "1") == "'" + start + "1"


def test_ordinary_cells_are_left_alone() -> None:
    assert neutralise("Multiple Myeloma") == "Multiple Myeloma"
    assert neutralise("a=b") == "a=b"
    assert neutralise("") == ""
