"""The local ClinicalTrials.gov API v2 emulator: paging, filtering, throttling."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.ctgov_spider import studies_url
from devtools.ctgov_emulator import CtgovEmulator, running_emulator, start_emulator


@pytest.fixture(scope="module")
def api(corpus: Path) -> Iterator[CtgovEmulator]:
    with running_emulator(corpus) as emulator:
        yield emulator


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _json(url: str) -> Any:
    status, _, body = _get(url)
    assert status == 200, body
    return json.loads(body)


def test_pages_cover_every_study_once_in_order(api: CtgovEmulator, corpus: Path) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = _json(studies_url(api.url, since=None, page_size=250, token=token))
        pages += 1
        if token is None:
            assert page["totalCount"] == 714
        else:
            assert "totalCount" not in page
        seen += [s["protocolSection"]["identificationModule"]["nctId"] for s in page["studies"]]
        token = page.get("nextPageToken")
        if not token:
            break
    expected = sorted(p.stem for p in (corpus / "ctgov_v2").glob("NCT*.json"))
    assert pages == 3 and seen == expected


def test_filter_by_last_update_date(api: CtgovEmulator) -> None:
    page = _json(
        f"{api.url}/api/v2/studies?pageSize=1000&countTotal=true"
        "&filter.advanced=AREA[LastUpdatePostDate]RANGE[2025-10-01,MAX]"
    )
    dates = [
        s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
        for s in page["studies"]
    ]
    assert dates and all(d >= "2025-10-01" for d in dates)
    expected = sum(s.last_update >= "2025-10-01" for s in api.studies.values())
    assert page["totalCount"] == len(dates) == expected < 714


def test_single_study_is_the_corpus_bytes(api: CtgovEmulator, corpus: Path) -> None:
    status, _, body = _get(f"{api.url}/api/v2/studies/NCT04267848")
    assert status == 200
    assert body == (corpus / "ctgov_v2" / "NCT04267848.json").read_bytes()
    assert _get(f"{api.url}/api/v2/studies/NCT99999999")[0] == 404


@pytest.mark.parametrize(
    "query",
    ["pageSize=0", "pageSize=1001", "pageSize=ten", "pageToken=garbage", "filter.advanced=x"],
)
def test_bad_queries_are_400(api: CtgovEmulator, query: str) -> None:
    status, _, body = _get(f"{api.url}/api/v2/studies?{query}")
    assert status == 400 and b"message" in body


def test_a_token_is_only_valid_for_its_query(api: CtgovEmulator) -> None:
    token = _json(f"{api.url}/api/v2/studies?pageSize=5")["nextPageToken"]
    other = "&filter.advanced=AREA[LastUpdatePostDate]RANGE[2025-01-01,MAX]"
    assert _get(f"{api.url}/api/v2/studies?pageSize=5&pageToken={token}{other}")[0] == 400


def test_throttling_and_updates(corpus: Path) -> None:
    with running_emulator(corpus, throttle_every=2, retry_after=7) as api:
        url = f"{api.url}/api/v2/studies/NCT00000410"
        assert _get(url)[0] == 200
        status, headers, _ = _get(url)
        assert status == 429 and headers["Retry-After"] == "7"
        api.set_last_update("NCT00000410", "2030-01-02")
        _, _, body = _get(url)
        study = json.loads(body)
        assert study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] == {
            "date": "2030-01-02",
            "type": "ACTUAL",
        }
        assert [r.status for r in api.requests] == [200, 429, 200]


def test_start_emulator_returns_url_and_stop(corpus: Path) -> None:
    url, stop = start_emulator(corpus)
    try:
        assert _json(f"{url}/api/v2/studies?pageSize=1")["studies"]
    finally:
        stop()
