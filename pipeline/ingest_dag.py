"""The one shape of every ingest DAG: crawl -> parse -> quality_gate -> index -> reconcile.

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
        params={**ingest_params(), **params},
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

        @task(doc_md=dagdocs.RECONCILE)
        def reconcile(indexed: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.reconcile(source, context["params"], *dagtasks.interval(context))

        reconcile(index(quality_gate(parse(crawl()))))
    return dag
