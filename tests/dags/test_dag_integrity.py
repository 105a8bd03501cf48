"""Every DAG file imports cleanly, without touching a database, the network or Elasticsearch."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
INGEST_TASKS = ["crawl", "parse", "quality_gate", "index", "record_baseline", "reconcile"]
ASSET = "trialdex://index/trials"


def import_dags(tmp_path: Path, **extra_env: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "ELASTICSEARCH_URL", "TRIALDEX_HOME", "TRIALDEX_SQLITE"))
    }
    env.update(
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        TRIALDEX_HOME=str(tmp_path / "data"),
        # An Elasticsearch connection that would fail loudly if anything dialled it.
        AIRFLOW_CONN_TRIALDEX_ES="http://127.0.0.1:9",
        **extra_env,
    )
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("dag_check.py")), str(DAGS)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    databases = [p for p in tmp_path.rglob("*") if p.suffix in (".db", ".sqlite")]
    assert databases == [], f"DAG import created databases: {databases}"
    assert not (tmp_path / "data").exists(), "DAG import created the data directory"
    assert result["touched"] == [], f"DAG import used network or database: {result['touched']}"
    return result


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return import_dags(tmp_path_factory.mktemp("dagbag"))


def test_every_dag_file_imports_without_errors(imported):
    assert imported["import_errors"] == {}
    files = {Path(d["fileloc"]).name for d in imported["dags"].values()}
    assert files == {p.name for p in DAGS.glob("*.py")}


def test_the_expected_dags_exist(imported):
    assert set(imported["dags"]) == {
        "trialdex_ingest_ctgov",
        "trialdex_ingest_listing_sample",
        "trialdex_reparse",
        "trialdex_index_report",
    }
    for dag in imported["dags"].values():
        assert dag["doc_md"], "every DAG documents itself (doc_md=__doc__)"
        assert "trialdex" in dag["tags"]


@pytest.mark.parametrize("dag_id", ["trialdex_ingest_ctgov", "trialdex_ingest_listing_sample"])
def test_ingest_dags_chain_the_steps_with_retries(imported, dag_id):
    tasks = imported["dags"][dag_id]["tasks"]
    assert list(tasks) == INGEST_TASKS
    for before, after in itertools.pairwise(INGEST_TASKS):
        assert tasks[after]["upstream"] == [before]
    for name, task in tasks.items():
        if name == "quality_gate":
            assert task["retries"] == 0  # a verdict on data: retrying cannot change it
        else:
            assert task["retries"] >= 1 and task["backoff"], name
    assert tasks["index"]["outlets"] == [ASSET]


def test_ctgov_runs_daily_on_data_intervals(imported):
    dag = imported["dags"]["trialdex_ingest_ctgov"]
    assert "CronDataIntervalTimetable" in dag["schedule"] and "0 0 * * *" in dag["schedule"]
    assert {"base_url", "full_harvest", "since", "thresholds"} <= set(dag["params"])


def test_the_report_dag_is_scheduled_on_the_index_asset(imported):
    assert imported["dags"]["trialdex_index_report"]["asset_schedule"] == [ASSET]
    assert imported["dags"]["trialdex_reparse"]["tasks"]["rebuild_index"]["outlets"] == [ASSET]


def test_one_dag_per_configured_listing_site_each_on_its_schedule(tmp_path):
    sites = {
        "power": {"start_urls": ["https://example.org/for-x"], "schedule": "@hourly"},
        "other": {"sitemap_urls": ["https://example.net/sitemap.xml"], "schedule": "30 2 * * 1"},
    }
    result = import_dags(tmp_path, AIRFLOW_VAR_TRIALDEX_LISTING_SITES=json.dumps(sites))
    assert result["import_errors"] == {}
    listing = {k: v for k, v in result["dags"].items() if "_listing_" in k}
    assert set(listing) == {"trialdex_ingest_listing_power", "trialdex_ingest_listing_other"}
    assert "0 * * * *" in listing["trialdex_ingest_listing_power"]["schedule"]
    assert "30 2 * * 1" in listing["trialdex_ingest_listing_other"]["schedule"]


def test_a_bad_site_configuration_is_an_import_error_naming_the_problem(tmp_path):
    result = import_dags(tmp_path, AIRFLOW_VAR_TRIALDEX_LISTING_SITES='{"Bad Name": {}}')
    errors = "\n".join(result["import_errors"].values())
    assert "Bad Name" in errors
