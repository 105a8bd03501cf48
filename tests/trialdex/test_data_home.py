"""`TRIALDEX_HOME` is the one data directory: the CLI and the server read what the pipeline wrote.

The commands run as a user runs them, as child processes started from a
directory that is neither the checkout nor the data directory, so no path
can be resolved against the working directory by accident.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from parsers.records import write_records
from pipeline.indexing import index_partition
from pipeline.partitions import Partition
from pipeline.settings import PipelineSettings
from tests.conftest import REPO
from tests.pipeline.records import record
from tests.served import trialdex_serve

TITLES = {f"Trial number {n}" for n in range(3)}


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRIALDEX_", "ELASTICSEARCH_URL", "AIRFLOW"))
    }
    env["TRIALDEX_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory the pipeline's index step has written, with its default settings."""
    data = tmp_path_factory.mktemp("home")
    settings = PipelineSettings(data_dir=data)
    partition = Partition.of(data, "listing_test", "2026-01-01", "2026-01-02")
    write_records(partition.path("records.jsonl"), [record(n) for n in range(3)])
    result = index_partition(partition, settings.index)
    assert result["indexed"] == 3
    assert (data / "trialdex.sqlite").is_file()
    return data


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    cwd = tmp_path / "somewhere-else"
    cwd.mkdir()
    return cwd


def test_search_from_another_directory_reads_the_data_home(home: Path, elsewhere: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trialdex.cli", "search", "Trial", "--json"],
        cwd=elsewhere,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["total"] == 3
    assert {hit["record"]["title"] for hit in answer["hits"]} == TITLES
    assert not (elsewhere / "var").exists()


@pytest.fixture
def served(home: Path, elsewhere: Path) -> Iterator[str]:
    with trialdex_serve([], cwd=elsewhere, env=_env(home)) as base:
        yield base


def test_serve_from_another_directory_serves_the_data_home(
    served: str, home: Path, elsewhere: Path
) -> None:
    health = httpx.get(f"{served}/v1/health", timeout=10).json()
    assert health["records"] == 3, health
    found = httpx.get(f"{served}/v1/trials", params={"q": "Trial"}, timeout=10).json()
    assert {hit["record"]["title"] for hit in found["hits"]} == TITLES
    assert not (elsewhere / "var").exists()
