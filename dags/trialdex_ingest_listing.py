"""
### Trialdex: ingest a patient-facing listing site

One DAG per configured site (`trialdex_ingest_listing_<site>`), each on its own
schedule, from the JSON in the Variable `trialdex_listing_sites` (read from its
environment form `AIRFLOW_VAR_TRIALDEX_LISTING_SITES` when DAGs are parsed;
the default is the local `sample` site). Each run crawls the site politely into
its raw store, then

crawl -> parse -> quality_gate -> index -> record_baseline -> reconcile.

The quality gate fails the run when the parse-failure rate rises or a key
field's coverage falls against the previous run: a site that changed its
layout raises an alarm instead of filling the index with empty records.
"""

from __future__ import annotations

from airflow.sdk import Param

from pipeline.airflow_settings import listing_sites_for_dags
from pipeline.ingest_dag import ingest_dag

for _site in listing_sites_for_dags().values():
    globals()[_site.dag_id] = ingest_dag(
        _site.source,
        dag_id=_site.dag_id,
        schedule=_site.schedule,
        description=f"Crawl the trial listing site {_site.name!r} politely into the search index",
        doc_md=__doc__,
        tags=["listing"],
        params={
            "start_urls": Param(None, type=["null", "array"], description="Override start URLs"),
            "sitemap_urls": Param(None, type=["null", "array"], description="Override sitemaps"),
            "allowed_domains": Param(None, type=["null", "array"]),
            "settings": Param(None, type=["null", "object"], description="Scrapy settings"),
        },
    )
