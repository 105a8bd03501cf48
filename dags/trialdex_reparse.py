"""
### Trialdex: reparse everything into a fresh index

Run by hand after a parser changes (no schedule). Every source's raw store is
parsed again with the installed parsers into `<data_dir>/reparse/<run>/`; a
new index is filled from those records and swapped in atomically (an alias
swap on Elasticsearch, a file rename on SQLite). Nothing is fetched again.
Updates the Asset `trialdex://index/trials`.

Before the swap, the new records are compared per source with the index in
service: when a source loses more trials than `max_count_drop` or more
coverage of a key field than `max_coverage_drop` (Variable
`trialdex_quality_thresholds`), the run fails naming each drop and the old
index keeps serving. Both sides are in `<data_dir>/reparse/<run>/comparison.json`.
The param `force_swap` swaps anyway (the comparison is still written).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, Param, dag, task

from pipeline import dagdocs
from pipeline.dagconfig import (
    INDEX_ASSET_URI,
    SQLITE_WRITER_POOL,
    START_DATE,
    TAGS,
    common_params,
    crawl_timeout,
    dag_args,
)


@dag(
    dag_id="trialdex_reparse",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    **dag_args(),
    description="After a parser change: parse every raw store again into a new index, swap it in",
    doc_md=__doc__,
    tags=[*TAGS, "reparse"],
    params={
        **common_params(),
        "force_swap": Param(
            False,
            type="boolean",
            description="Swap the new index in even when it holds fewer trials or less "
            "coverage than the live one",
        ),
    },
)
def trialdex_reparse() -> None:
    @task(execution_timeout=crawl_timeout(), doc_md=dagdocs.REPARSE)
    def reparse(**context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.reparse(context["params"], context["run_id"])

    @task(
        outlets=[Asset(INDEX_ASSET_URI)],
        pool=SQLITE_WRITER_POOL,
        execution_timeout=crawl_timeout(),
        doc_md=dagdocs.REBUILD_INDEX,
    )
    def rebuild_index(reparsed: Any, **context: Any) -> dict[str, Any]:
        from pipeline import dagtasks

        return dagtasks.rebuild_index(context["params"], reparsed)

    rebuild_index(reparse())


trialdex_reparse()
