"""The crawl step's verdict on a fetch, and where the next fetch starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawlers.rawstore import RawStore
from pipeline.crawl import fetch_problem, fetched_through, mark_fetched_through
from pipeline.dagtasks import fetch_since
from pipeline.partitions import Partition


@dataclass(frozen=True)
class _Source:
    name: str = "site"
    fetch_is_chain: bool = False


def _part(tmp_path: Path, day: int) -> Partition:
    return Partition.of(tmp_path, "site", f"2026-05-{day:02d}", f"2026-05-{day + 1:02d}")


def test_a_failed_day_is_fetched_again_by_the_next_run(tmp_path: Path) -> None:
    first, failed, next_day = _part(tmp_path, 1), _part(tmp_path, 2), _part(tmp_path, 3)
    mark_fetched_through(first)
    # Day 2's fetch failed: it never marked anything, so day 3 starts where day 1 ended.
    assert fetched_through(next_day) == first.end == failed.start
    assert fetch_since({}, next_day) == failed.start
    mark_fetched_through(next_day)
    mark_fetched_through(first)  # a rerun of an old interval never moves the mark back
    assert fetch_since({}, _part(tmp_path, 4)) == next_day.end
    assert fetch_since({"full_harvest": True}, _part(tmp_path, 4)) is None


def test_a_quiet_day_passes_and_an_unreachable_source_fails(tmp_path: Path) -> None:
    part = _part(tmp_path, 1)
    RawStore(part.raw_dir).close()
    quiet = {"unchanged": 12, "finish_reason": "finished"}
    assert fetch_problem(_Source(), quiet, part, 0.25) is None
    nothing = {"finish_reason": "finished", "log": "/logs/listing.log"}
    problem = fetch_problem(_Source(), nothing, part, 0.25)
    assert problem is not None and "site: the fetch failed: nothing could be fetched" in problem
    assert "/logs/listing.log" in problem


def test_failures_beyond_the_share_fail_and_a_chain_fails_on_one(tmp_path: Path) -> None:
    part = _part(tmp_path, 1)
    store = RawStore(part.raw_dir)
    store.put(source="site", url="http://x/busy", body=b"busy", status=503)
    store.close()
    one_bad = {"fetched": 4, "unchanged": 5, "failed": [["http://x/gone", "DNS lookup failed"]]}
    assert fetch_problem(_Source(), one_bad, part, 0.25) is None  # 2 of 10 failed
    problem = fetch_problem(_Source(), one_bad, part, 0.1)
    assert problem is not None and "2 of 10 requests failed" in problem
    assert "http://x/gone: DNS lookup failed" in problem
    chained = fetch_problem(_Source(fetch_is_chain=True), one_bad, part, 0.25)
    assert chained is not None and "the harvest is incomplete" in chained
