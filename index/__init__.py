"""The search side: Elasticsearch and the embedded SQLite backend behind one interface.

* `index.backend`: the `SearchBackend` protocol and `IndexReport`;
* `index.factory.open_backend()` (re-exported here): Elasticsearch when
  ``ELASTICSEARCH_URL`` is set, else SQLite at ``TRIALDEX_SQLITE`` /
  ``var/trialdex.sqlite``;
* `index.search_models`: `SearchRequest` / `SearchResponse` and `FACETS`, the one
  facet table; `index.errors.SearchRequestError` for input a caller can fix;
* `index.query_params.parse_params`: search parameters as ``name=value`` pairs
  (the API's query string, the CLI's options) into a `SearchRequest`;
* `index.es_backend` (+ `es_mapping`, `es_query`, `es_bulk`): the alias lifecycle
  (`setup`, `migrate`, which `rebuild` runs), bulk indexing and search on Elasticsearch 9;
* `index.sqlite_backend` (+ `sqlite_postings`): FTS5, facet bitmaps, R*Tree geo;
* `index.loader.index_files` and `index.reconcile.remove_missing`: what the CLI
  and the DAGs call;
* `devtools.generator` and `devtools.bench_index`: registry-scale records and the benchmark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.backend import SearchBackend


def open_backend(*args: Any, **kwargs: Any) -> SearchBackend:
    """See `index.factory.open_backend` (imported lazily to keep `import index` light)."""
    from index.factory import open_backend as _open

    return _open(*args, **kwargs)
