"""
### Trialdex: index report

Scheduled on the Asset `trialdex://index/trials`: runs after any ingest or
reparse run has updated the index, and writes the number of searchable trials
per source with a few facet counts to `<data_dir>/reports/latest.json`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, dag, task

from pipeline import dagdocs
from pipeline.dagconfig import INDEX_ASSET_URI, START_DATE, TAGS, common_params, dag_args


@dag(
    dag_id="trialdex_index_report",
    schedule=[Asset(INDEX_ASSET_URI)],
    start_date=START_DATE,
    catchup=False,
    **dag_args(),
    description="After each index update: searchable trials per source and facet counts",
    doc_md=__doc__,
    tags=[*TAGS, "report"],
    params=common_params(),
)
def trialdex_index_report() -> None:
    @task(doc_md=dagdocs.REPORT)
    def report(**context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.index_report(context["params"], context["run_id"])

    report()


trialdex_index_report()
