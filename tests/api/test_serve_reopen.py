"""A running `trialdex serve` reads a rebuilt SQLite file by itself, without an admin call."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from index.sqlite_backend import SqliteBackend
from tests.conftest import REPO
from tests.pipeline.records import record
from tests.served import trialdex_serve

BEFORE = [record(n) for n in range(3)]
AFTER = [record(n, source="ctgov") for n in range(10, 14)]


def served_ids(base: str) -> set[str]:
    found = httpx.get(f"{base}/v1/trials", params={"size": 50}, timeout=10)
    assert found.status_code == 200, found.text
    return {hit["record"]["id"] for hit in found.json()["hits"]}


def test_serve_answers_from_the_rebuilt_file_after_a_reparse_swaps_it(tmp_path: Path) -> None:
    db = tmp_path / "trialdex.sqlite"
    first = SqliteBackend(db)
    first.index_records(BEFORE)
    first.close()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRIALDEX_", "ELASTICSEARCH_URL", "AIRFLOW"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # No TRIALDEX_API_KEY: POST /v1/admin/reopen is switched off, so nothing can call it.
    with trialdex_serve(["--backend", "sqlite", "--path", str(db)], cwd=tmp_path, env=env) as base:
        for _ in range(4):  # several of the server's threads hold a connection to the old file
            assert served_ids(base) == {r.id for r in BEFORE}

        # What the reparse DAG does: a new file built beside the live one, renamed over it.
        SqliteBackend(db).rebuild(lambda: AFTER)

        deadline = time.monotonic() + 15
        while (ids := served_ids(base)) != {r.id for r in AFTER}:
            assert time.monotonic() < deadline, f"still serving {sorted(ids)}"
            time.sleep(0.2)
        for _ in range(4):
            assert served_ids(base) == {r.id for r in AFTER}
        health = httpx.get(f"{base}/v1/health", timeout=10).json()
        assert health["records"] == len(AFTER), health
