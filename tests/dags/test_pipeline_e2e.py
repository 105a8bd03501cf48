"""The ingest DAGs end to end through Airflow (``dag.test()`` in a child process).

Against the local sample site, the ClinicalTrials.gov emulator (a corpus
subset) and a real Elasticsearch 9 or the SQLite backend.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from devtools.airflow_runner import AirflowSession
from parsers.records import read_records
from tests.dags.conftest import listing_conf

pytestmark = pytest.mark.slow

CTGOV = "trialdex_ingest_ctgov"
LISTING = "trialdex_ingest_listing_sample"
DAY1, DAY2 = "2026-03-02", "2026-03-03"


def partition_dir(env: dict[str, str], source: str) -> Path:
    runs = sorted((Path(env["TRIALDEX_HOME"]) / "runs" / source).glob("2*"))
    assert runs, f"no partition for {source}"
    return runs[-1]


def session(env: dict[str, str], log_dir: Path) -> AirflowSession:
    return AirflowSession(env, (log_dir / "airflow.log").open("a"))


def expected_ctgov(subset: Path) -> list:
    from parsers.ctgov import parse_study_json

    files = sorted((subset / "ctgov_v2").glob("NCT*.json"))
    return [parse_study_json(p.read_bytes(), str(p)) for p in files]


@pytest.mark.elasticsearch
def test_ingest_dags_make_trials_searchable_once(
    dag_env, sample_site, ctgov_api, ctgov_subset, es_server, es_index_name, tmp_path
):
    from index.factory import open_backend
    from index.search_models import SearchRequest
    from parsers.listing import record_id

    dag_env["AIRFLOW_CONN_TRIALDEX_ES"] = es_server.url
    ctgov_conf = {"base_url": ctgov_api, "full_harvest": True, "index_alias": es_index_name}
    site_conf = listing_conf(sample_site, index_alias=es_index_name)

    airflow = session(dag_env, tmp_path)
    for dag_id, conf in ((CTGOV, ctgov_conf), (LISTING, site_conf)):
        result = airflow.run(dag_id, DAY1, conf)
        assert result.ok, result

    ctgov_records = expected_ctgov(ctgov_subset)
    listing_dir = partition_dir(dag_env, "listing_sample")
    listing_records = list(read_records(listing_dir / "records.jsonl"))
    quarantined = [json.loads(x) for x in (listing_dir / "quarantine.jsonl").open()]
    # Every trial page of the site is either searchable or quarantined with a reason.
    site_ids = {record_id(u) for u in sample_site.expected_trial_urls()}
    assert {r.id for r in listing_records} | {record_id(q["url"]) for q in quarantined} == site_ids
    assert all(q["reason"] for q in quarantined) and len(quarantined) <= 2

    backend = open_backend("es", url=es_server.url, alias=es_index_name)
    try:
        expected_ids = {r.id for r in ctgov_records} | {r.id for r in listing_records}
        assert backend.ids() == expected_ids
        response = backend.search(SearchRequest(size=0, facets=["source", "phase"], facet_size=50))
        facets = {f.name: {v.value: v.count for v in f.values} for f in response.facets}
        assert response.total == len(expected_ids)
        assert facets["source"] == {"ctgov": len(ctgov_records), "listing": len(listing_records)}
        phases = Counter(p.value for r in [*ctgov_records, *listing_records] for p in r.phases)
        assert facets["phase"] == dict(phases)
        title = listing_records[0].title
        found = backend.search(SearchRequest(q=title, size=3))
        assert found.hits and found.hits[0].record.id == listing_records[0].id

        reconcile = json.loads((partition_dir(dag_env, "ctgov") / "reconcile.json").read_text())
        assert reconcile["stated_total"] == reconcile["searchable"] == len(ctgov_records)

        # The same interval again: nothing new, nothing duplicated.
        before = (listing_dir / "records.jsonl").read_bytes()
        for dag_id, conf in ((CTGOV, ctgov_conf), (LISTING, site_conf)):
            assert airflow.run(dag_id, DAY1, conf).ok
        assert backend.count() == len(expected_ids)
        assert backend.ids() == expected_ids
        assert (listing_dir / "records.jsonl").read_bytes() == before
    finally:
        backend.close()
        airflow.close()


def test_a_layout_change_fails_the_quality_gate_and_indexes_nothing(dag_env, sample_site, tmp_path):
    from index.factory import open_backend

    conf = listing_conf(sample_site)
    airflow = session(dag_env, tmp_path)
    first = airflow.run(LISTING, DAY1, conf)
    assert first.ok, first
    sqlite = Path(dag_env["TRIALDEX_HOME"]) / "trialdex.sqlite"
    backend = open_backend("sqlite", path=sqlite)
    indexed = backend.ids()
    backend.close()
    assert indexed

    # A reparse from the raw store rebuilds the same index and swaps it in.
    reparsed = airflow.run("trialdex_reparse", DAY1, {})
    assert reparsed.ok, reparsed
    backend = open_backend("sqlite", path=sqlite)
    assert backend.ids() == indexed
    backend.close()

    sample_site.layout_version = 2  # the site is redesigned overnight
    second = airflow.run(LISTING, DAY2, conf)
    airflow.close()
    assert second.state == "failed"
    assert second.tasks["quality_gate"] == "failed"
    assert second.tasks["index"] == second.tasks["reconcile"] == "upstream_failed"
    gate = json.loads((partition_dir(dag_env, "listing_sample") / "gate.json").read_text())
    assert gate["passed"] is False
    assert any("coverage of" in p and "dropped" in p for p in gate["problems"]), gate["problems"]
    log = (tmp_path / "airflow.log").read_text()
    assert "quality gate failed for listing_sample" in log

    backend = open_backend("sqlite", path=sqlite)
    try:
        assert backend.ids() == indexed  # nothing from the bad run reached the index
    finally:
        backend.close()


@pytest.mark.elasticsearch
def test_an_index_task_that_fails_while_elasticsearch_is_down_succeeds_on_retry(
    dag_env, sample_site, tmp_path
):
    from devtools import dev_es as devserver
    from index.factory import open_backend

    # A private server, never the session's shared one: this test stops it.
    server = devserver.start_private()
    try:
        devserver.stop(server, keep_data=True)
        dag_env.update(
            AIRFLOW_CONN_TRIALDEX_ES=server.url,
            TRIALDEX_TASK_RETRIES="8",
            TRIALDEX_RETRY_DELAY_SECONDS="2",
        )
        airflow = session(dag_env, tmp_path)
        airflow.submit(LISTING, DAY1, listing_conf(sample_site))
        gate = Path(dag_env["TRIALDEX_HOME"]) / "runs" / "listing_sample"
        deadline = time.monotonic() + 120
        while not list(gate.glob("*/gate.json")) and time.monotonic() < deadline:
            assert airflow.proc.poll() is None, "the DAG run ended before reaching the index step"
            time.sleep(0.2)
        # The index task now meets a dead cluster; bring it back while Airflow retries.
        devserver.launch(server, record_state=False)
        result = airflow.result()
        airflow.close()
        assert result.ok, result
        assert result.tries["index"] > 1, "the first index attempt should have failed"

        records = list(read_records(partition_dir(dag_env, "listing_sample") / "records.jsonl"))
        backend = open_backend("es", url=server.url)
        try:
            assert backend.ids() == {r.id for r in records}  # nothing lost
        finally:
            backend.close()
    finally:
        devserver.stop(server)
