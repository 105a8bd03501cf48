"""No green run that lies: each way a run used to pass while the pipeline had failed.

Every test runs the real DAGs through Airflow (``dag.test()`` in a child
process) against the sample site or the ClinicalTrials.gov emulator on
loopback, with the SQLite index, and asserts the run's final state and what
is searchable afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.factory import open_backend
from tests.dags.conftest import listing_conf
from tests.dags.test_pipeline_e2e import CTGOV, LISTING, expected_ctgov, partition_dir, session

pytestmark = pytest.mark.slow

DAY1, DAY2, DAY3, DAY4 = "2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04"


def searchable(env: dict[str, str], sqlite: Path | None = None) -> set[str]:
    backend = open_backend("sqlite", path=sqlite or Path(env["TRIALDEX_HOME"]) / "trialdex.sqlite")
    try:
        return backend.ids()
    finally:
        backend.close()


def baselines(env: dict[str, str], source: str) -> list[str]:
    state = Path(env["TRIALDEX_HOME"]) / "runs" / source / "state.json"
    return sorted(json.loads(state.read_text()).get("runs", {})) if state.exists() else []


@pytest.fixture
def quick(dag_env: dict[str, str]) -> dict[str, str]:
    """No task retries: a failing task fails the run at once."""
    dag_env["TRIALDEX_TASK_RETRIES"] = "0"
    return dag_env


def test_a_site_that_is_down_fails_the_run_and_changes_nothing(quick, sample_site, tmp_path):
    conf = listing_conf(sample_site)
    airflow = session(quick, tmp_path)
    try:
        assert airflow.run(LISTING, DAY1, conf).ok
        indexed, baseline = searchable(quick), baselines(quick, "listing_sample")
        assert indexed and baseline
        sample_site.stop()  # the site goes down
        down = airflow.run(LISTING, DAY2, conf)
    finally:
        airflow.close()
    assert down.state == "failed"
    assert down.tasks["crawl"] == "failed"
    assert down.tasks["quality_gate"] == down.tasks["index"] == "upstream_failed"
    log = (tmp_path / "airflow.log").read_text()
    assert "listing_sample: the fetch failed" in log
    assert any(url in log for url in conf["start_urls"])  # a URL that failed, and why
    assert "Connection refused" in log
    assert searchable(quick) == indexed
    assert baselines(quick, "listing_sample") == baseline


def test_a_registry_that_refuses_connections_fails_the_run_naming_the_url(quick, tmp_path):
    airflow = session(quick, tmp_path)
    try:
        refused = airflow.run(CTGOV, DAY1, {"base_url": "http://127.0.0.1:9", "full_harvest": True})
    finally:
        airflow.close()
    assert refused.state == "failed"
    assert refused.tasks["crawl"] == "failed"
    log = (tmp_path / "airflow.log").read_text()
    assert "ctgov: the fetch failed" in log
    assert "http://127.0.0.1:9/api/v2/studies" in log


def test_a_layout_change_stays_failing_until_the_operator_accepts_it(quick, sample_site, tmp_path):
    conf = listing_conf(sample_site)
    airflow = session(quick, tmp_path)
    try:
        assert airflow.run(LISTING, DAY1, conf).ok
        indexed = searchable(quick)
        sample_site.layout_version = 2  # the site is redesigned overnight
        changed = airflow.run(LISTING, DAY2, conf)
        # The next day the same (changed) pages answer 304: nothing new to parse.
        again = airflow.run(LISTING, DAY3, conf)
        accepted = airflow.run(LISTING, DAY4, {**conf, "accept_layout_change": True})
    finally:
        airflow.close()
    assert changed.state == again.state == "failed"
    assert changed.tasks["quality_gate"] == again.tasks["quality_gate"] == "failed"
    runs = sorted((Path(quick["TRIALDEX_HOME"]) / "runs" / "listing_sample").glob("2*"))
    assert len(runs) == 4
    gate = json.loads((runs[2] / "gate.json").read_text())
    assert gate["passed"] is False and gate["alarm"]["problems"]
    log = (tmp_path / "airflow.log").read_text()
    assert "still fails as it did in the run of" in log
    assert accepted.ok, accepted
    # The operator accepted the change: the run passed and is the new baseline.
    assert baselines(quick, "listing_sample")[-1] == runs[3].name
    assert searchable(quick) >= indexed


def test_a_full_harvest_into_an_empty_index_makes_every_study_searchable(
    quick, ctgov_api, ctgov_subset, tmp_path
):
    conf = {"base_url": ctgov_api, "full_harvest": True}
    fresh = tmp_path / "fresh.sqlite"
    airflow = session(quick, tmp_path)
    try:
        assert airflow.run(CTGOV, DAY1, conf).ok
        # The raw store already holds every page: none is new to it on the second harvest.
        second = airflow.run(CTGOV, DAY2, {**conf, "sqlite_path": str(fresh)})
    finally:
        airflow.close()
    assert second.ok, second
    expected = {r.id for r in expected_ctgov(ctgov_subset)}
    assert searchable(quick, fresh) == expected


def test_reconcile_beyond_its_threshold_fails_with_the_ids(quick, sample_site, tmp_path):
    from parsers.listing import record_id

    # The sample site has a malformed trial page: listed on its cards, never searchable.
    conf = listing_conf(sample_site, reconcile_max_missing=0.0)
    airflow = session(quick, tmp_path)
    try:
        result = airflow.run(LISTING, DAY1, conf)
    finally:
        airflow.close()
    assert result.state == "failed"
    assert result.tasks["reconcile"] == "failed"
    assert result.tasks["index"] == result.tasks["record_baseline"] == "success"
    report = json.loads((partition_dir(quick, "listing_sample") / "reconcile.json").read_text())
    assert report["missing"] >= 1 and report["missing_ids"]
    log = (tmp_path / "airflow.log").read_text()
    assert "reconcile failed for listing_sample" in log
    malformed = {record_id(q["url"]) for q in _quarantined(quick)}
    assert malformed and malformed <= set(report["missing_ids"])
    assert all(i in log for i in malformed)


def _quarantined(env: dict[str, str]) -> list[dict[str, object]]:
    path = partition_dir(env, "listing_sample") / "quarantine.jsonl"
    return [json.loads(line) for line in path.open()]
