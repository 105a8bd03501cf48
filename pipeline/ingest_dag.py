"""The one shape of every ingest DAG:
crawl -> parse -> quality_gate -> index -> record_baseline -> reconcile.

DAG files call `ingest_dag` with what differs between sources (the DAG id, the
schedule, the documentation, the source's own params); the five tasks, their
retries, timeouts, failure notifier, pool, task docs and the index Asset are
written here once. Tasks only call
`pipeline.dagtasks` with the source's name, which picks its adapter at run
time, so building a DAG imports nothing heavy and touches no database.
"""

from __future__ import annotations

from typing import Any

from pipeline import dagdocs
from pipeline.dagconfig import (
    INDEX_ASSET_URI,
    SQLITE_WRITER_POOL,
    START_DATE,
    TAGS,
    crawl_timeout,
    dag_args,
    ingest_params,
)


def verdict_params() -> dict[str, Any]:
    """Params that set how strictly a run is judged; empty ones fall back to the settings."""
    from airflow.sdk import Param

    def share(description: str) -> Any:
        return Param(None, type=["null", "number"], minimum=0, maximum=1, description=description)

    return {
        "accept_layout_change": Param(
            False,
            type="boolean",
            description="Accept that the source changed: the quality gate passes this run, "
            "clears the source's alarm and the run becomes the new baseline",
        ),
        "max_fetch_failure_share": share("Share of failed requests that fails the crawl"),
        "reconcile_max_missing": share("Share of the source's trials allowed not searchable"),
        "reconcile_max_extra": share("Share of searchable trials allowed beyond the source's"),
    }


def ingest_dag(
    source: str,
    *,
    dag_id: str,
    schedule: str | None,
    description: str,
    doc_md: str | None,
    tags: list[str],
    params: dict[str, Any],
) -> Any:
    """The ingest DAG of ``source`` on a UTC cron ``schedule`` (None: triggered only)."""
    from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, task

    with DAG(
        dag_id=dag_id,
        schedule=CronDataIntervalTimetable(schedule, timezone="UTC") if schedule else None,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        **dag_args(),
        description=description,
        doc_md=(doc_md or "") + dagdocs.INGEST_OPERATIONS,
        tags=[*TAGS, "ingest", *tags],
        params={**ingest_params(), **verdict_params(), **params},
    ) as dag:

        @task(execution_timeout=crawl_timeout(), doc_md=dagdocs.CRAWL)
        def crawl(**context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.crawl(source, context["params"], *dagtasks.interval(context))

        @task(doc_md=dagdocs.PARSE)
        def parse(crawled: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.parse(source, context["params"], *dagtasks.interval(context))

        # A verdict on the data: retrying cannot change it.
        @task(retries=0, doc_md=dagdocs.QUALITY_GATE)
        def quality_gate(parsed: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.quality_gate(source, context["params"], *dagtasks.interval(context))

        @task(outlets=[Asset(INDEX_ASSET_URI)], pool=SQLITE_WRITER_POOL, doc_md=dagdocs.INDEX)
        def index(verdict: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.index(source, context["params"], *dagtasks.interval(context))

        @task(doc_md=dagdocs.RECORD_BASELINE)
        def record_baseline(indexed: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.record_baseline(source, context["params"], *dagtasks.interval(context))

        @task(doc_md=dagdocs.RECONCILE)
        def reconcile(baseline: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.reconcile(source, context["params"], *dagtasks.interval(context))

        reconcile(record_baseline(index(quality_gate(parse(crawl())))))
    return dag
