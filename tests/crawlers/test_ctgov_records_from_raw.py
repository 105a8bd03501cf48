"""Re-parsing stored ClinicalTrials.gov responses: good ones give records, bad ones errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from crawlers.ctgov_cli import records_from_raw
from crawlers.rawstore import RawStore
from parsers.ctgov import canonical_json
from parsers.errors import ParseError
from parsers.records import TrialRecord

API = "http://127.0.0.1:1/api/v2/studies"


def test_pages_single_studies_and_bad_bodies(corpus: Path, tmp_path: Path) -> None:
    raw = [(corpus / "ctgov_v2" / f"{n}.json").read_bytes() for n in ("NCT00000410", "NCT00033839")]
    page = b'{"studies":[' + raw[0] + b',{"hasResults":false}],"nextPageToken":"t"}'
    store = RawStore(tmp_path)
    store.put(source="ctgov", url=f"{API}?pageSize=2", body=page)
    store.put(source="ctgov", url=f"{API}/NCT00033839", body=raw[1])
    store.put(source="ctgov", url=f"{API}?pageSize=2&pageToken=t", body=b'{"studies": [')
    store.put(source="ctgov", url=f"{API}?pageSize=2&pageToken=u", body=b"slow down", status=429)
    store.put(source="listing", url="http://example.org/trial/x", body=b"<html></html>")
    first_id = store.last_id()
    store.put(source="ctgov", url=f"{API}/NCT00000410", body=raw[0])
    store.close()

    results = list(records_from_raw(tmp_path))
    records = [r for r in results if isinstance(r, TrialRecord)]
    errors = [r for r in results if isinstance(r, ParseError)]
    assert [r.id for r in records] == [
        "ctgov:NCT00000410",
        "ctgov:NCT00033839",
        "ctgov:NCT00000410",
    ]
    assert records[1].source.content_sha256 == records[1].source.content_sha256
    assert len(errors) == 2
    assert "no protocolSection" in errors[0].reason and "#studies[1]" in errors[0].origin
    assert "not valid JSON" in errors[1].reason and "pageToken=t" in errors[1].origin
    assert all(r.source.fetched_at is not None for r in records)

    increment = list(records_from_raw(tmp_path, since_id=first_id))
    assert [r.id for r in increment if isinstance(r, TrialRecord)] == ["ctgov:NCT00000410"]


def test_a_study_in_a_page_hashes_its_canonical_json(corpus: Path, tmp_path: Path) -> None:
    raw = (corpus / "ctgov_v2" / "NCT00000410.json").read_bytes()
    store = RawStore(tmp_path)
    store.put(source="ctgov", url=f"{API}?pageSize=1", body=b'{"studies":[' + raw + b"]}")
    store.close()
    (record,) = list(records_from_raw(tmp_path))
    assert isinstance(record, TrialRecord)
    expected = hashlib.sha256(canonical_json(json.loads(raw))).hexdigest()
    assert record.source.content_sha256 == expected
