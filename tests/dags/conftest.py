"""Fixtures for running the DAGs through Airflow: an Airflow home, the sample site, the emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipeline.conftest import ctgov_api, ctgov_subset  # noqa: F401  (shared fixtures)

# The listing crawler's politeness delays off: the sample site is on loopback.
FAST_CRAWL = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_BACKOFF_BASE": 0.1,
}


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Airflow home with a migrated SQLite metadata database."""
    from devtools.airflow_runner import airflow_env, migrate

    home = tmp_path_factory.mktemp("airflow")
    migrate(airflow_env(home, base=_clean_env()))
    return home


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "ELASTICSEARCH_URL", "TRIALDEX_HOME", "TRIALDEX_SQLITE"))
    }


@pytest.fixture
def dag_env(airflow_home: Path, tmp_path: Path) -> dict[str, str]:
    """Environment for one test's DAG runs: its own data directory, quick retries, SQLite."""
    from devtools.airflow_runner import airflow_env

    env = airflow_env(airflow_home, base=_clean_env())
    env.update(
        TRIALDEX_HOME=str(tmp_path / "data"),
        TRIALDEX_RETRY_DELAY_SECONDS="1",
        TRIALDEX_MAX_RETRY_DELAY_SECONDS="20",
    )
    return env


@pytest.fixture
def sample_site() -> Iterator[object]:
    from devtools.sample_site import SampleSite

    site = SampleSite(n_trials=16, retry_after=1, slow_seconds=0.1)
    site.start()
    try:
        yield site
    finally:
        site.stop()


def listing_conf(site: object, **extra: object) -> dict[str, object]:
    conditions = site.conditions  # type: ignore[attr-defined]
    return {
        "start_urls": [site.listing_url(c) for c in conditions],  # type: ignore[attr-defined]
        "settings": FAST_CRAWL,
        **extra,
    }
