"""What DAG files need at parse time: cheap constants and defaults, no heavy imports.

Retries and timeouts can be tuned per deployment from the environment of the
DAG processor (``TRIALDEX_TASK_RETRIES``, ``TRIALDEX_RETRY_DELAY_SECONDS``,
``TRIALDEX_MAX_RETRY_DELAY_SECONDS``, ``TRIALDEX_TASK_TIMEOUT_HOURS``,
``TRIALDEX_CRAWL_TIMEOUT_HOURS``, ``TRIALDEX_DAGRUN_TIMEOUT_HOURS``); reading
the environment touches no database or network. Failures are reported by
`pipeline.notify.ConfiguredNotifier`, which reads its own settings only when a
failure happens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import raw_value

# The search index as an Airflow Asset: ingest index tasks update it,
# downstream DAGs are scheduled on it.
INDEX_ASSET_URI = "trialdex://index/trials"

# Scheduling starts here; catchup is off, so only the latest interval runs.
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)

TAGS = ["trialdex"]

# Every task that writes the SQLite index runs in this pool of one slot, so two
# DAGs never write (or swap) the file at once. The operator creates it:
# ``airflow pools set trialdex_sqlite_writer 1 "..."``; the demo harness does.
SQLITE_WRITER_POOL = "trialdex_sqlite_writer"
SQLITE_WRITER_POOL_DESCRIPTION = "Trialdex: one task at a time writes the SQLite index"


def _env_number(key: str, default: float) -> float:
    try:
        return float(raw_value(key) or default)
    except ValueError:
        return default


def _env_hours(key: str, default: float) -> timedelta:
    return timedelta(hours=_env_number(key, default))


def task_timeout() -> timedelta:
    """The execution timeout of a task that handles one run's data (parse, gate, index ...)."""
    return _env_hours("task_timeout_hours", 1)


def crawl_timeout() -> timedelta:
    """The execution timeout of a crawl, and of the reparse tasks that read whole sources."""
    return _env_hours("crawl_timeout_hours", 6)


def dagrun_timeout() -> timedelta:
    """How long one DAG run may take before the scheduler fails it."""
    return _env_hours("dagrun_timeout_hours", 12)


def failure_callback(*, run_level: bool = False) -> Any:
    """The notifier a task (or, with ``run_level``, a DAG) calls when it fails."""
    from pipeline.notify import ConfiguredNotifier

    return ConfiguredNotifier(run_level=run_level)


def dag_args() -> dict[str, Any]:
    """Keyword arguments every Trialdex DAG takes: task defaults, run timeout, failure callback."""
    return {
        "default_args": default_args(),
        "dagrun_timeout": dagrun_timeout(),
        "on_failure_callback": failure_callback(run_level=True),
    }


def default_args() -> dict[str, Any]:
    """Every task's defaults: retries with exponential backoff (the quality gate opts out),
    the task timeout and the failure notifier."""
    return {
        "owner": "trialdex",
        "retries": int(_env_number("task_retries", 3)),
        "retry_delay": timedelta(seconds=_env_number("retry_delay_seconds", 30)),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(seconds=_env_number("max_retry_delay_seconds", 30 * 60)),
        "execution_timeout": task_timeout(),
        "on_failure_callback": failure_callback(),
    }


def common_params() -> dict[str, Any]:
    """Params every Trialdex DAG accepts; empty values fall back to Variables/defaults."""
    from airflow.sdk import Param

    return {
        "data_dir": Param(
            None, type=["null", "string"], description="Data directory (Variable trialdex_data_dir)"
        ),
        "raw_dir": Param(
            None, type=["null", "string"], description="Raw stores (Variable trialdex_raw_dir)"
        ),
        "index_alias": Param(
            None, type=["null", "string"], description="Elasticsearch alias (default trials)"
        ),
        "sqlite_path": Param(
            None, type=["null", "string"], description="SQLite index file when no trialdex_es"
        ),
    }


def ingest_params() -> dict[str, Any]:
    from airflow.sdk import Param

    return {
        **common_params(),
        "thresholds": Param(
            None,
            type=["null", "object"],
            description="Quality-gate thresholds overriding Variable trialdex_quality_thresholds",
        ),
        "max_index_failures": Param(
            0, type="integer", minimum=0, description="Refused records tolerated by the index step"
        ),
    }
