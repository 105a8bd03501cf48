import json

import pytest

from crawlers.rawstore import RawStore
from parsers.records import read_records
from pipeline.crawl import crawl_source, increment, merge_ranges, record_increment
from pipeline.parse import parse_source
from pipeline.partitions import Partition
from sources.ctgov import CtgovSource
from tests.pipeline.conftest import SUBSET


def test_merge_ranges():
    assert merge_ranges([[5, 9], [0, 3], [3, 4], [8, 12], [7, 7]]) == [[0, 4], [5, 12]]


def test_pages_of_a_failed_attempt_stay_in_the_partition(tmp_path):
    part = Partition.of(tmp_path, "s", "2026-01-01", "2026-01-02")
    store = RawStore(part.raw_dir)
    store.put(source="s", url="http://x/old", body=b"old")  # an earlier run's page

    def dies_half_way():
        store.put(source="s", url="http://x/1", body=b"one")
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        record_increment(part, dies_half_way)

    def finishes():  # the retry finds page 1 unchanged and stores only page 2
        assert not store.put(source="s", url="http://x/1", body=b"one").changed
        store.put(source="s", url="http://x/2", body=b"two")

    manifest = record_increment(part, finishes)
    assert [r.url for r in increment(part, store)] == ["http://x/1", "http://x/2"]
    assert manifest["ranges"] == [[1, 3]]

    # A rerun that finds nothing new keeps the same increment.
    record_increment(part, lambda: None)
    assert [r.url for r in increment(part, store)] == ["http://x/1", "http://x/2"]
    store.close()


def test_ctgov_crawl_and_parse_are_idempotent(tmp_path, ctgov_api):
    part = Partition.of(tmp_path, "ctgov", "2026-01-01", "2026-01-02")
    crawled = crawl_source(part, CtgovSource(ctgov_api, page_size=5), since=None)
    assert crawled["new_responses"] == 3  # 12 studies in pages of 5
    parsed = parse_source(part, CtgovSource(ctgov_api))
    assert parsed["records"] == SUBSET and parsed["quarantined"] == 0
    first = (part.dir / "records.jsonl").read_bytes()
    ids = [r.id for r in read_records(part.dir / "records.jsonl")]
    assert len(set(ids)) == SUBSET and all(i.startswith("ctgov:NCT") for i in ids)
    stats = json.loads((part.dir / "stats.json").read_text())
    assert stats["pages"] == 3 and stats["coverage"]["title"] == 1.0

    again = crawl_source(part, CtgovSource(ctgov_api, page_size=5), since=None)
    assert again["new_responses"] == 0 and again["responses"] == 3
    parse_source(part, CtgovSource(ctgov_api))
    assert (part.dir / "records.jsonl").read_bytes() == first


def test_a_broken_page_is_quarantined_with_its_reason(tmp_path):
    part = Partition.of(tmp_path, "ctgov", "2026-01-01", "2026-01-02")
    store = RawStore(part.raw_dir)

    def crawl():
        store.put(source="ctgov", url="http://x/api/v2/studies?p=1", body=b'{"studies": [')
        store.put(
            source="ctgov",
            url="http://x/api/v2/studies?p=2",
            body=b'{"studies": [{"protocolSection": []}, 7]}',
        )
        store.put(source="ctgov", url="http://x/api/v2/studies?p=3", body=b"gone", status=404)

    record_increment(part, crawl)
    result = parse_source(part, CtgovSource("http://x"))
    store.close()
    assert result["records"] == 0
    quarantined = [json.loads(line) for line in (part.dir / "quarantine.jsonl").open()]
    assert len(quarantined) == 3
    assert quarantined[0]["url"].endswith("p=1") and "JSON" in quarantined[0]["reason"]
    assert {q["item"] for q in quarantined[1:]} == {
        "http://x/api/v2/studies?p=2#studies[0]",
        "http://x/api/v2/studies?p=2#studies[1]",
    }
    stats = json.loads((part.dir / "stats.json").read_text())
    assert stats["failure_rate"] == 1.0
    assert stats["skipped"] == {"HTTP 404": 1}


def test_a_quiet_day_on_the_registry_passes_the_gate(tmp_path, ctgov_api):
    from datetime import UTC, datetime

    from pipeline.quality import quality_gate, record_success
    from pipeline.settings import GateThresholds

    first = Partition.of(tmp_path, "ctgov", "2026-01-01", "2026-01-02")
    crawl_source(first, CtgovSource(ctgov_api), since=None)
    parse_source(first, CtgovSource(ctgov_api))
    quality_gate(first, GateThresholds())
    record_success(first)

    quiet = Partition.of(tmp_path, "ctgov", "2030-01-01", "2030-01-02")
    crawled = crawl_source(quiet, CtgovSource(ctgov_api), since=datetime(2030, 1, 1, tzinfo=UTC))
    assert crawled["new_responses"] == 1  # one page, with no studies in it
    assert parse_source(quiet, CtgovSource(ctgov_api))["records"] == 0
    verdict = quality_gate(quiet, GateThresholds())
    assert verdict["passed"] and "nothing new" in verdict["note"]
