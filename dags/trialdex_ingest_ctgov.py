"""
### Trialdex: ingest ClinicalTrials.gov

Daily and incremental: each run harvests the API v2 studies updated since the
last complete harvest (normally the start of its data interval; everything on
the first run, or with the param `full_harvest`), then

crawl -> parse -> quality_gate -> index -> record_baseline -> reconcile.

Files of a run live under `<data_dir>/runs/ctgov/<interval>/`; rerunning an
interval overwrites them with the same content and upserts the same records.
Settings: connection `trialdex_es` (absent: SQLite), Variables `trialdex_*`,
and the params below. The index task updates the Asset `trialdex://index/trials`.
"""

from __future__ import annotations

from airflow.sdk import Param

from pipeline.ingest_dag import ingest_dag

trialdex_ingest_ctgov = ingest_dag(
    "ctgov",
    dag_id="trialdex_ingest_ctgov",
    schedule="@daily",
    description="Daily incremental harvest of ClinicalTrials.gov (API v2) into the search index",
    doc_md=__doc__,
    tags=["ctgov"],
    params={
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
