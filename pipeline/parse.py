"""Parse step: a partition's raw increment -> records.jsonl, quarantine.jsonl and stats.json.

Pages that fail are quarantined with the reason and the run goes on; the
quality gate decides whether the failures are too many. When the same trial
appears in several pages of one increment the most recently stored wins.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.atomic import atomic_text
from crawlers.rawstore import RawResponse, RawStore
from parsers.errors import ParseError
from parsers.records import TrialRecord, write_records
from pipeline.crawl import increment
from pipeline.partitions import Partition, write_json
from pipeline.quality import make_stats
from sources.base import Source


class Outcome:
    """What parsing one increment produced."""

    def __init__(self) -> None:
        self.records: dict[str, TrialRecord] = {}
        self.quarantine: list[dict[str, Any]] = []
        self.pages = 0
        self.items = 0
        self.skipped: dict[str, int] = {}

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def add(self, record: TrialRecord) -> None:
        self.items += 1
        # Re-inserting moves nothing: the first position is kept, the newest value wins.
        self.records[record.id] = record

    def fail(self, response: RawResponse, reason: str, item: str | None = None) -> None:
        self.items += 1
        entry: dict[str, Any] = {
            "url": response.url,
            "response_id": response.id,
            "sha256": response.sha256,
            "fetched_at": response.fetched_at.isoformat(),
            "reason": reason,
        }
        if item:
            entry["item"] = item
        self.quarantine.append(entry)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ParseError):
        return exc.reason
    # Not a ParseError: a parser bug. Quarantine it too, but say so.
    return f"unexpected {type(exc).__name__}: {exc}"


def parse_one(source: Source, response: RawResponse, body: bytes, outcome: Outcome) -> None:
    """One stored response through the source's parser into ``outcome``."""
    try:
        page = source.parse(response, body)
    except Exception as exc:
        outcome.pages += 1
        outcome.fail(response, _reason(exc))
        return
    if page.skipped is not None:
        outcome.skip(page.skipped)
        return
    outcome.pages += 1
    for record in page.records:
        outcome.add(record)
    for error in page.errors:
        outcome.fail(response, _reason(error), item=error.origin)


def parse_responses(store: RawStore, responses: Iterable[RawResponse], source: Source) -> Outcome:
    outcome = Outcome()
    for response in responses:
        if response.status != 200:
            outcome.skip(f"HTTP {response.status}")
            continue
        try:
            body = store.body(response)
        except OSError as exc:
            outcome.pages += 1
            outcome.fail(response, f"raw body unreadable: {exc}")
            continue
        parse_one(source, response, body, outcome)
    return outcome


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """JSON lines written atomically; returns the number of rows."""
    count = 0
    with atomic_text(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
            count += 1
    return count


def write_outcome(partition: Partition, outcome: Outcome) -> dict[str, Any]:
    records_path = partition.path("records.jsonl")
    quarantine_path = partition.path("quarantine.jsonl")
    write_records(records_path, outcome.records.values())
    write_jsonl(quarantine_path, outcome.quarantine)
    stats = make_stats(
        pages=outcome.pages,
        items=outcome.items,
        failures=len(outcome.quarantine),
        records=outcome.records.values(),
    )
    stats["skipped"] = dict(sorted(outcome.skipped.items()))
    write_json(partition.path("stats.json"), stats)
    return {
        "source": partition.source,
        "partition": str(partition.dir),
        "records_path": str(records_path),
        "quarantine_path": str(quarantine_path),
        "stats_path": str(partition.dir / "stats.json"),
        "pages": outcome.pages,
        "records": len(outcome.records),
        "quarantined": len(outcome.quarantine),
    }


def parse_source(partition: Partition, source: Source) -> dict[str, Any]:
    """Parse the partition's increment with the source's parser and write its files."""
    store = RawStore(partition.raw_dir)
    try:
        outcome = parse_responses(store, increment(partition, store), source)
    finally:
        store.close()
    return write_outcome(partition, outcome)
