"""The one shape of every ingest DAG:
crawl -> parse -> quality_gate -> index -> record_baseline -> reconcile.

DAG files call `ingest_dag` with what differs between sources (the DAG id, the
schedule, the documentation, the source's own params); the five tasks, their
retries and the index Asset are written here once. Tasks only call
`pipeline.dagtasks` with the source's name, which picks its adapter at run
time, so building a DAG imports nothing heavy and touches no database.
"""

from __future__ import annotations

from typing import Any

from pipeline.dagconfig import INDEX_ASSET_URI, START_DATE, TAGS, default_args, ingest_params


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
        params={**ingest_params(), **verdict_params(), **params},
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
        def record_baseline(indexed: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.record_baseline(source, context["params"], *dagtasks.interval(context))

        @task
        def reconcile(baseline: Any, **context: Any) -> dict[str, Any]:
            from pipeline import dagtasks

            return dagtasks.reconcile(source, context["params"], *dagtasks.interval(context))

        reconcile(record_baseline(index(quality_gate(parse(crawl())))))
    return dag
