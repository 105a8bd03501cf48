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


HOUR = 3600.0
# The tasks that write the SQLite index: one at a time, through a pool of one slot.
WRITERS = {
    ("trialdex_ingest_ctgov", "index"),
    ("trialdex_ingest_listing_sample", "index"),
    ("trialdex_reparse", "rebuild_index"),
}
LONG_TASKS = {"crawl", "reparse", "rebuild_index"}  # read whole sources


def every_task(imported: dict) -> list[tuple[str, str, dict]]:
    return [
        (dag_id, task_id, task)
        for dag_id, dag in imported["dags"].items()
        for task_id, task in dag["tasks"].items()
    ]


def test_every_dag_has_a_description_a_run_timeout_and_a_failure_notifier(imported):
    for dag_id, dag in imported["dags"].items():
        assert dag["description"] and len(dag["description"]) <= 120, dag_id
        assert dag["dagrun_timeout"] == 12 * HOUR, dag_id
        assert dag["on_failure_callback"] == ["ConfiguredNotifier"], dag_id


def test_every_task_is_documented_timed_out_and_notifies_its_failure(imported):
    for dag_id, task_id, task in every_task(imported):
        where = f"{dag_id}.{task_id}"
        assert "*Failing*" in task["doc_md"] and "*Recover*" in task["doc_md"], where
        expected = 6 * HOUR if task_id in LONG_TASKS else 1 * HOUR
        assert task["execution_timeout"] == expected, where
        assert task["on_failure_callback"] == ["ConfiguredNotifier"], where


def test_only_the_tasks_writing_the_index_share_the_sqlite_writer_pool(imported):
    pooled = {(d, t) for d, t, task in every_task(imported) if task["pool"] != "default_pool"}
    assert pooled == WRITERS
    for dag_id, task_id in WRITERS:
        assert imported["dags"][dag_id]["tasks"][task_id]["pool"] == "trialdex_sqlite_writer"


@pytest.mark.parametrize("dag_id", ["trialdex_ingest_ctgov", "trialdex_ingest_listing_sample"])
def test_ingest_dags_say_how_to_recover_from_a_quality_gate_failure(imported, dag_id):
    dag = imported["dags"][dag_id]
    for text in (dag["doc_text"], dag["tasks"]["quality_gate"]["doc_md"]):
        for step in ("gate.json", "quarantine.jsonl", "trialdex_reparse", "accept_layout_change"):
            assert step in text, (dag_id, step)


def test_timeouts_come_from_the_dag_processors_environment(tmp_path):
    result = import_dags(
        tmp_path,
        TRIALDEX_CRAWL_TIMEOUT_HOURS="2",
        TRIALDEX_TASK_TIMEOUT_HOURS="0.5",
        TRIALDEX_DAGRUN_TIMEOUT_HOURS="3",
    )
    dag = result["dags"]["trialdex_ingest_ctgov"]
    assert dag["dagrun_timeout"] == 3 * HOUR
    assert dag["tasks"]["crawl"]["execution_timeout"] == 2 * HOUR
    assert dag["tasks"]["parse"]["execution_timeout"] == 0.5 * HOUR
