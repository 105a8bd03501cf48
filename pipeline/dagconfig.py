"""What DAG files need at parse time: cheap constants and defaults, no heavy imports.

Retry behaviour can be tuned per deployment from the environment of the DAG
processor (``TRIALDEX_TASK_RETRIES``, ``TRIALDEX_RETRY_DELAY_SECONDS``,
``TRIALDEX_MAX_RETRY_DELAY_SECONDS``); reading the environment touches no
database or network.
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


def _env_number(key: str, default: float) -> float:
    try:
        return float(raw_value(key) or default)
    except ValueError:
        return default


def default_args() -> dict[str, Any]:
    """Retries with exponential backoff for every task (the quality gate opts out)."""
    return {
        "owner": "trialdex",
        "retries": int(_env_number("task_retries", 3)),
        "retry_delay": timedelta(seconds=_env_number("retry_delay_seconds", 30)),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(seconds=_env_number("max_retry_delay_seconds", 30 * 60)),
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
