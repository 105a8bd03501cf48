"""A failed task tells the configured notifier (``dag.test()`` through Airflow), or logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from devtools.airflow_runner import run_dag
from tests.dags.conftest import FAST_CRAWL
from tests.served import free_port

LISTING = "trialdex_ingest_listing_sample"
REPO = Path(__file__).resolve().parents[2]


def test_a_failing_task_calls_the_configured_notifier(dag_env, tmp_path):
    told = tmp_path / "failures.jsonl"
    dag_env.update(
        PYTHONPATH=str(REPO),  # the test notifier lives in tests/
        TRIALDEX_TASK_RETRIES="0",
        TRIALDEX_FAILURE_NOTIFIER="tests.dags.notifiers.FileNotifier",
        TRIALDEX_FAILURE_NOTIFIER_KWARGS=json.dumps({"path": str(told)}),
    )
    nobody = f"http://127.0.0.1:{free_port()}/trials"  # nothing listens there
    # A bad param: the first task that reads the run's settings refuses it.
    conf = {"start_urls": [nobody], "settings": FAST_CRAWL, "thresholds": {"no_such": 1}}
    with (tmp_path / "airflow.log").open("a") as log:
        result = run_dag(LISTING, "2026-03-02", conf, dag_env, log)
    assert result.state == "failed", result
    failed = [task for task, state in result.tasks.items() if state == "failed"]
    assert len(failed) == 1, result
    lines = [json.loads(x) for x in told.read_text().splitlines()]
    # The task's callback reports it; the DAG's stays quiet about a task failure.
    assert [(x["dag_id"], x["task_id"]) for x in lines] == [(LISTING, failed[0])]
    assert lines[0]["run_id"] and "no_such" in lines[0]["exception"]


def failure_context(**extra: object) -> dict[str, object]:
    """What Airflow hands a failure callback, with only the fields the notifier reads."""
    from airflow.sdk import DAG

    ti = SimpleNamespace(
        dag_id=LISTING,
        run_id="manual__2026-03-02",
        task_id="crawl",
        try_number=2,
        log_url="http://airflow.example/dags/x/runs/y/tasks/crawl?try_number=2",
    )
    return {
        "dag": DAG(dag_id=LISTING, schedule=None),
        "run_id": ti.run_id,
        "task_instance": ti,
        **extra,
    }


@pytest.fixture
def no_notifier_settings(monkeypatch):
    monkeypatch.delenv("TRIALDEX_FAILURE_NOTIFIER", raising=False)
    monkeypatch.delenv("TRIALDEX_FAILURE_NOTIFIER_KWARGS", raising=False)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def failure_log():
    """The notifier's log records (a handler of its own: Airflow reconfigures the root's)."""
    logger = logging.getLogger("trialdex.failure")
    handler = Records()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_by_default_a_failure_is_logged_at_error(no_notifier_settings, failure_log):
    from pipeline.notify import ConfiguredNotifier

    ConfiguredNotifier()(failure_context(exception=RuntimeError("site unreachable")))
    [record] = failure_log.records
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    for part in (
        f"dag_id={LISTING}",
        "run_id=manual__2026-03-02",
        "task_id=crawl",
        "exception=RuntimeError: site unreachable",
        "log=http://airflow.example/dags/x/runs/y/tasks/crawl?try_number=2",
    ):
        assert part in message


def test_a_dag_callback_reports_a_run_that_timed_out_but_not_a_task_failure(
    no_notifier_settings, failure_log
):
    from pipeline.notify import ConfiguredNotifier

    run_level = ConfiguredNotifier(run_level=True)
    run_level(failure_context(reason="task_failure"))
    assert failure_log.records == []
    run_level(failure_context(reason="timed_out"))
    [record] = failure_log.records
    assert "DAG run failed (timed_out)" in record.getMessage()


def test_a_notifier_that_cannot_be_loaded_still_logs_the_failure(monkeypatch, failure_log):
    from pipeline.notify import ConfiguredNotifier

    monkeypatch.setenv("TRIALDEX_FAILURE_NOTIFIER", "no.such.module.Notifier")
    monkeypatch.delenv("TRIALDEX_FAILURE_NOTIFIER_KWARGS", raising=False)
    ConfiguredNotifier()(failure_context(exception="boom"))
    messages = [r.getMessage() for r in failure_log.records]
    assert any("task_id=crawl" in m and "exception=boom" in m for m in messages)
    assert any("no.such.module.Notifier" in m and "cannot be imported" in m for m in messages)
