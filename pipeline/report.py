"""A report of the index after it changed: counts per source and a few facets.

The `trialdex_index_report` DAG runs this whenever an ingest or reparse run
updates the index Asset, leaving ``<data_dir>/reports/latest.json``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.partitions import write_json
from pipeline.settings import BackendConfig

REPORT_FACETS = ("source", "phase", "status", "study_type")


def index_report(backend: BackendConfig, data_dir: Path, run_key: str) -> dict[str, Any]:
    from index.search_models import SearchRequest

    search = backend.open()
    try:
        response = search.search(SearchRequest(size=0, facets=list(REPORT_FACETS), facet_size=50))
        report: dict[str, Any] = {
            "backend": backend.describe(),
            "total": response.total,
            "facets": {
                facet.name: {str(v.value): v.count for v in facet.values}
                for facet in response.facets
            },
            "health": search.health(),
        }
    finally:
        search.close()
    out = data_dir / "reports"
    write_json(out / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', run_key)}.json", report)
    write_json(out / "latest.json", report)
    return report
