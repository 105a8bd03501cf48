"""The reparse DAG refuses to swap in an index worse than the one serving (SQLite).

Through Airflow (``dag.test()``): an empty raw store, and raw pages saved after
the sample site changed its layout, each fail the run with the old index still
serving; ``force_swap`` swaps anyway.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools.airflow_runner import AirflowSession, DagRunResult
from parsers.records import read_records
from tests.dags.conftest import listing_conf
from tests.dags.test_pipeline_e2e import DAY1, DAY2, LISTING, session

pytestmark = pytest.mark.slow

REPARSE = "trialdex_reparse"


def sqlite_of(env: dict[str, str]) -> Path:
    return Path(env["TRIALDEX_HOME"]) / "trialdex.sqlite"


def serving(env: dict[str, str]) -> dict[str, str]:
    """Id -> title of every trial the index serves, each found again by a title search."""
    from index.factory import open_backend
    from index.search_models import SearchRequest

    backend = open_backend("sqlite", path=sqlite_of(env))
    try:
        titles = {r.id: r.title for r in (backend.get(i) for i in backend.ids()) if r}
        some = sorted(titles)[0]
        found = backend.search(SearchRequest(q=titles[some], size=5)).hits
        assert some in {hit.record.id for hit in found}
    finally:
        backend.close()
    return titles


def live_coverage(env: dict[str, str]) -> dict[str, Any]:
    from index.factory import open_backend

    backend = open_backend("sqlite", path=sqlite_of(env))
    try:
        return {source: c.to_dict() for source, c in backend.coverage_by_source().items()}
    finally:
        backend.close()


def reparse(airflow: AirflowSession, day: str, conf: dict[str, Any]) -> DagRunResult:
    return airflow.run(REPARSE, day, conf)


def last_run(env: dict[str, str]) -> Path:
    """The latest reparse run's directory (run ids start with the time they were made)."""
    return sorted((Path(env["TRIALDEX_HOME"]) / "reparse").iterdir())[-1]


def comparison(env: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((last_run(env) / "comparison.json").read_text())
    return result


def assert_refused(result: DagRunResult, log: Path, *drops: str) -> None:
    assert result.state == "failed", result
    assert result.tasks == {"reparse": "success", "rebuild_index": "failed"}
    assert result.tries["rebuild_index"] == 1  # a verdict: not retried
    text = log.read_text()
    assert "The live index is unchanged and still serving" in text
    for drop in drops:
        assert drop in text, drop


@pytest.fixture
def ingested(dag_env: dict[str, str], sample_site: Any, tmp_path: Path) -> AirflowSession:
    airflow = session(dag_env, tmp_path)
    assert airflow.run(LISTING, DAY1, listing_conf(sample_site)).ok
    return airflow


def test_a_reparse_of_an_empty_raw_store_fails_and_the_old_index_serves(
    ingested: AirflowSession, dag_env: dict[str, str], tmp_path: Path
) -> None:
    before = serving(dag_env)
    empty = tmp_path / "empty-raw"
    empty.mkdir()
    result = reparse(ingested, "2026-03-04", {"raw_dir": str(empty)})
    ingested.close()
    assert_refused(
        result,
        tmp_path / "airflow.log",
        f"rebuilt index not swapped into SQLite {sqlite_of(dag_env)}: ",
        f"source listing: trials live {len(before)}, new 0 (-100.0%; allowed -10.0%)",
        "If the drop is expected, trigger the reparse again with the param force_swap: true",
    )
    assert serving(dag_env) == before
    report = comparison(dag_env)
    assert report["swap"] == "refused" and report["new"] == {}
    assert report["live"]["listing"]["records"] == len(before)


def test_a_reparse_after_a_layout_change_fails_unless_forced(
    ingested: AirflowSession, dag_env: dict[str, str], sample_site: Any, tmp_path: Path
) -> None:
    before = serving(dag_env)
    # The site is redesigned: the next crawl keeps the new pages in the raw store
    # (its quality gate fails, so nothing of them is indexed).
    sample_site.layout_version = 2
    assert ingested.run(LISTING, DAY2, listing_conf(sample_site)).state == "failed"

    refused = reparse(ingested, "2026-03-04", {})
    assert_refused(
        refused,
        tmp_path / "airflow.log",
        "source listing: trials live ",
        "source listing: coverage of criteria live 100.0%, new 0.0%",
    )
    assert serving(dag_env) == before
    report = comparison(dag_env)
    assert report["swap"] == "refused" and report["drops"]
    assert report["live"] == live_coverage(dag_env) != report["new"]

    forced = reparse(ingested, "2026-03-05", {"force_swap": True})
    ingested.close()
    assert forced.ok, forced
    report = comparison(dag_env)
    assert report["swap"] == "forced" and report["drops"]
    assert "forced swap into SQLite" in (tmp_path / "airflow.log").read_text()
    records = read_records(last_run(dag_env) / "listing_sample.records.jsonl")
    assert serving(dag_env) == {r.id: r.title for r in records}
    assert live_coverage(dag_env) == report["new"]  # the new contents serve
