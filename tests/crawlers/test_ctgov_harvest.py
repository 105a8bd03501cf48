"""A real Scrapy harvest (child process over loopback) against the local API emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from crawlers.ctgov_cli import HarvestSummary, harvest, records_from_raw
from crawlers.rawstore import RawStore
from devtools.ctgov_emulator import CtgovEmulator, running_emulator
from parsers.errors import ParseError
from parsers.records import TrialRecord

pytestmark = pytest.mark.slow

RETRY_AFTER = 1


@pytest.fixture(scope="module")
def api(corpus: Path) -> Iterator[CtgovEmulator]:
    with running_emulator(corpus, throttle_every=3, retry_after=RETRY_AFTER) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("raw")


@pytest.fixture(scope="module")
def first_run(api: CtgovEmulator, raw_dir: Path) -> HarvestSummary:
    api.reset_log()
    return harvest(api.url, raw_dir, None, page_size=100)


def test_full_harvest_fetches_every_study_exactly_once(
    first_run: HarvestSummary, api: CtgovEmulator, corpus: Path, raw_dir: Path
) -> None:
    corpus_ids = {p.stem for p in (corpus / "ctgov_v2").glob("NCT*.json")}
    assert first_run.finish_reason == "finished" and first_run.failures == 0
    assert first_run.studies == first_run.total_count == 714
    assert first_run.pages == 8
    assert set(api.served) == corpus_ids
    assert set(api.served.values()) == {1}
    store = RawStore(raw_dir)
    assert store.count("ctgov") == first_run.stored == 8
    assert all(r.status == 200 for r in store.iter_latest("ctgov"))


def test_429_is_retried_after_retry_after(first_run: HarvestSummary, api: CtgovEmulator) -> None:
    throttled = [r for r in api.requests if r.status == 429]
    assert throttled and first_run.retried_429 == len(throttled)
    for hit in throttled:
        retry = next(r for r in api.requests if r.at > hit.at and r.query == hit.query)
        assert retry.status == 200
        assert retry.at - hit.at >= RETRY_AFTER - 0.05


def test_records_from_raw_reparses_without_fetching(
    first_run: HarvestSummary, api: CtgovEmulator, raw_dir: Path
) -> None:
    before = len(api.requests)
    results = list(records_from_raw(raw_dir))
    assert len(api.requests) == before
    errors = [r for r in results if isinstance(r, ParseError)]
    records = [r for r in results if isinstance(r, TrialRecord)]
    assert errors == []
    assert len({r.id for r in records}) == len(records) == 714
    assert all(r.source.fetched_at is not None for r in records)


def test_incremental_run_fetches_only_updated_studies(
    first_run: HarvestSummary, api: CtgovEmulator, raw_dir: Path
) -> None:
    newest = max(date.fromisoformat(s.last_update) for s in api.studies.values())
    since = newest + timedelta(days=1)
    updated = ["NCT00000410", "NCT04267848", "NCT05925803"]
    for nct in updated:
        api.set_last_update(nct, since.isoformat())
    api.reset_log()
    second = harvest(api.url, raw_dir, since, page_size=2)
    assert second.failures == 0 and second.studies == 3 and second.pages == 2
    assert sorted(api.served) == updated and set(api.served.values()) == {1}
    assert second.since_id == first_run.last_id
    records = list(records_from_raw(raw_dir, since_id=second.since_id))
    assert sorted(r.id for r in records if isinstance(r, TrialRecord)) == [
        f"ctgov:{n}" for n in updated
    ]
    assert all(
        isinstance(r, TrialRecord) and r.dates.last_update_posted == since.isoformat()
        for r in records
    )


def test_unreachable_server_counts_failures(tmp_path: Path) -> None:
    summary = harvest("http://127.0.0.1:9", tmp_path / "raw", None, 10, retry_times=1)
    assert summary.failures == 1 and summary.studies == 0 and summary.stored == 0


def test_a_retry_after_longer_than_the_cap_is_not_retried_early(
    corpus: Path, tmp_path: Path
) -> None:
    with running_emulator(corpus, throttle_every=2, retry_after=30) as api:
        summary = harvest(api.url, tmp_path / "raw", None, 500, retry_max_delay=1)
        assert [r.status for r in api.requests] == [200, 429]
    assert summary.pages == 1 and summary.studies == 500
    assert summary.failures == 1 and summary.retried_429 == 1 and summary.retries == 0
    stored = list(RawStore(tmp_path / "raw").iter_latest("ctgov"))
    assert [r.status for r in stored] == [200, 429]
    assert stored[1].headers["retry-after"] == "30"
