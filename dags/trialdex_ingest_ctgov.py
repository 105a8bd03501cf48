"""
### Trialdex: ingest ClinicalTrials.gov

Daily and incremental: each run harvests the API v2 studies updated since the
start of its data interval (everything on the first run, or with the param
`full_harvest`), then

crawl -> parse -> quality_gate -> index -> reconcile.

Files of a run live under `<data_dir>/runs/ctgov/<interval>/`; rerunning an
interval overwrites them with the same content and upserts the same records.
Settings: connection `trialdex_es` (absent: SQLite), Variables `trialdex_*`,
and the params below. The index task updates the Asset `trialdex://index/trials`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

from pipeline.dagconfig import INDEX_ASSET_URI, START_DATE, TAGS, default_args, ingest_params

SOURCE = "ctgov"


@dag(
    dag_id="trialdex_ingest_ctgov",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    doc_md=__doc__,
    tags=[*TAGS, "ingest", SOURCE],
    params={
        **ingest_params(),
        "base_url": Param(
            None,
            type=["null", "string"],
            description="Registry root serving /api/v2 (Variable trialdex_ctgov_base_url)",
        ),
        "full_harvest": Param(False, type="boolean", description="Harvest every study"),
        "since": Param(None, type=["null", "string"], description="Override the interval start"),
        "page_size": Param(1000, type="integer", minimum=1, maximum=1000),
    },
)
def trialdex_ingest_ctgov() -> None:
    @task
    def crawl(**context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.crawl(SOURCE, context["params"], *dagtasks.interval(context))

    @task
    def parse(crawled: Any, **context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.parse(SOURCE, context["params"], *dagtasks.interval(context))

    @task(retries=0)  # a verdict on the data: retrying cannot change it
    def quality_gate(parsed: Any, **context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.quality_gate(SOURCE, context["params"], *dagtasks.interval(context))

    @task(outlets=[Asset(INDEX_ASSET_URI)])
    def index(verdict: Any, **context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.index(SOURCE, context["params"], *dagtasks.interval(context))

    @task
    def reconcile(indexed: Any, **context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.reconcile(SOURCE, context["params"], *dagtasks.interval(context))

    reconcile(index(quality_gate(parse(crawl()))))


trialdex_ingest_ctgov()
