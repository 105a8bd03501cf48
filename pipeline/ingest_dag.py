"""The one shape of every ingest DAG: crawl -> parse -> quality_gate -> index -> reconcile.

DAG files call `ingest_dag` with what differs between sources (the DAG id, the
schedule, the documentation, the source's own params); the five tasks, their
retries and the index Asset are written here once. Tasks only call
`pipeline.dagtasks` with the source's name, which picks its adapter at run
time, so building a DAG imports nothing heavy and touches no database.
"""

from __future__ import annotations

from typing import Any

from pipeline.dagconfig import INDEX_ASSET_URI, START_DATE, TAGS, default_args, ingest_params


def ingest_dag(
    source: str,
    *,
    dag_id: str,
    schedule: str | None,
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
        default_args=default_args(),
        doc_md=doc_md,
        tags=[*TAGS, "ingest", *tags],
        params={**ingest_params(), **params},
    ) as dag:

        @task
        def crawl(**context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.crawl(source, context["params"], *dagtasks.interval(context))

        @task
        def parse(crawled: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.parse(source, context["params"], *dagtasks.interval(context))

        @task(retries=0)  # a verdict on the data: retrying cannot change it
        def quality_gate(parsed: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.quality_gate(source, context["params"], *dagtasks.interval(context))

        @task(outlets=[Asset(INDEX_ASSET_URI)])
        def index(verdict: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.index(source, context["params"], *dagtasks.interval(context))

        @task
        def reconcile(indexed: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.reconcile(source, context["params"], *dagtasks.interval(context))

        reconcile(index(quality_gate(parse(crawl()))))
    return dag
