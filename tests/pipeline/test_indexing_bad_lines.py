"""The index step keeps going past a damaged line of records.jsonl and reports it."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.indexing import index_partition
from pipeline.partitions import Partition
from pipeline.settings import BackendConfig


def _record(n: int) -> dict[str, object]:
    return {
        "id": f"listing:example.org:t{n}",
        "source": {"name": "listing", "parser_version": "test"},
        "title": f"Trial {n}",
    }


def test_bad_line_is_a_reported_failure_not_a_crash(tmp_path: Path) -> None:
    partition = Partition.of(tmp_path, "listing_example", "2026-01-01", "2026-01-02")
    partition.dir.mkdir(parents=True)
    lines = [json.dumps(_record(1)), "{damaged", json.dumps(_record(2))]
    (partition.dir / "records.jsonl").write_text("\n".join(lines) + "\n")
    backend = BackendConfig.choose(None, tmp_path / "index.sqlite")
    result = index_partition(partition, backend, max_failures=1)
    assert result["indexed"] == 2
    assert result["failed"] == 1
    failures = [json.loads(line) for line in Path(result["failures_path"]).read_text().splitlines()]
    assert failures[0]["id"].endswith("records.jsonl:2")
    assert "not JSON" in failures[0]["reason"]
    search = backend.open()
    try:
        assert search.count() == 2
    finally:
        search.close()


def test_invalid_utf8_line_is_a_reported_failure_not_a_crash(tmp_path: Path) -> None:
    partition = Partition.of(tmp_path, "listing_example", "2026-01-01", "2026-01-02")
    partition.dir.mkdir(parents=True)
    good = [json.dumps(_record(n)).encode() for n in (1, 2)]
    lines = [good[0], b'{"id": "\xff\xfe"}', good[1]]
    (partition.dir / "records.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    backend = BackendConfig.choose(None, tmp_path / "index.sqlite")
    result = index_partition(partition, backend, max_failures=1)
    assert (result["indexed"], result["failed"]) == (2, 1)
    failures = [json.loads(line) for line in Path(result["failures_path"]).read_text().splitlines()]
    assert failures[0]["id"].endswith("records.jsonl:2")
    assert "not UTF-8" in failures[0]["reason"]
