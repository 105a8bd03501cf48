"""
### Trialdex: ingest a patient-facing listing site

One DAG per configured site (`trialdex_ingest_listing_<site>`), each on its own
schedule, from the JSON in the Variable `trialdex_listing_sites` (read from its
environment form `AIRFLOW_VAR_TRIALDEX_LISTING_SITES` when DAGs are parsed;
the default is the local `sample` site). Each run crawls the site politely into
its raw store, then

crawl -> parse -> quality_gate -> index -> reconcile.

The quality gate fails the run when the parse-failure rate rises or a key
field's coverage falls against the previous run: a site that changed its
layout raises an alarm instead of filling the index with empty records.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

from pipeline.airflow_settings import listing_sites_for_dags
from pipeline.dagconfig import INDEX_ASSET_URI, START_DATE, TAGS, default_args, ingest_params


def build(site_name: str, schedule: str | None) -> Any:
    source = f"listing_{site_name}"

    @dag(
        dag_id=f"trialdex_ingest_listing_{site_name}",
        schedule=CronDataIntervalTimetable(schedule, timezone="UTC") if schedule else None,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        doc_md=__doc__,
        tags=[*TAGS, "ingest", "listing"],
        params={
            **ingest_params(),
            "start_urls": Param(None, type=["null", "array"], description="Override start URLs"),
            "sitemap_urls": Param(None, type=["null", "array"], description="Override sitemaps"),
            "allowed_domains": Param(None, type=["null", "array"]),
            "settings": Param(None, type=["null", "object"], description="Scrapy settings"),
        },
    )
    def ingest_listing() -> None:
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

    return ingest_listing()


for _site in listing_sites_for_dags().values():
    globals()[f"trialdex_ingest_listing_{_site.name}"] = build(_site.name, _site.schedule)
