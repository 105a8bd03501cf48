"""How to open a search backend: the one place that knows both implementations.

`open_backend()` picks Elasticsearch when ``kind == "es"`` or a URL is
configured (``url``, else ``ELASTICSEARCH_URL``), else the embedded SQLite file
(``path``, else ``TRIALDEX_SQLITE``, else ``var/trialdex.sqlite``). Callers
(the API, the DAGs, the CLI) then use only `index.backend.SearchBackend`;
`open_elasticsearch()` resolves the URL the same way for the tools that need
the Elasticsearch backend itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from index.backend import SearchBackend
from parsers.errors import ConfigurationError

if TYPE_CHECKING:
    from index.es_backend import ElasticsearchBackend

DEFAULT_SQLITE_PATH = Path("var") / "trialdex.sqlite"
DEFAULT_ALIAS = "trials"

BackendKind = Literal["es", "sqlite"]


def open_backend(
    kind: BackendKind | None = None,
    *,
    url: str | None = None,
    path: str | Path | None = None,
    alias: str = DEFAULT_ALIAS,
) -> SearchBackend:
    """Elasticsearch when ``kind == "es"`` or a URL is configured, else SQLite.

    The returned backend is not set up; call ``setup()`` before indexing
    (searching a fresh SQLite file sets it up itself).
    """
    es_url = url or os.environ.get("ELASTICSEARCH_URL") or None
    if kind is None:
        kind = "es" if es_url else "sqlite"
    if kind == "es":
        return open_elasticsearch(es_url, alias=alias)
    if kind == "sqlite":
        from index.sqlite_backend import SqliteBackend

        db = Path(path or os.environ.get("TRIALDEX_SQLITE") or DEFAULT_SQLITE_PATH)
        return SqliteBackend(db)
    raise ConfigurationError(f"unknown backend {kind!r}; expected 'es' or 'sqlite'")


def open_elasticsearch(
    url: str | None = None, *, alias: str = DEFAULT_ALIAS
) -> ElasticsearchBackend:
    """The Elasticsearch backend itself, for tools that use more than the protocol
    (the benchmarks): at ``url``, else ``ELASTICSEARCH_URL``, else a running dev server."""
    es_url = url or os.environ.get("ELASTICSEARCH_URL") or None
    if not es_url:
        from devtools import dev_es as devserver

        server = devserver.running()
        if server is None:
            raise ConfigurationError(
                "the Elasticsearch backend needs ELASTICSEARCH_URL "
                "(or a dev server: trialdex dev-es start)"
            )
        es_url = server.url
    # Imported only when chosen: the SQLite path never loads the Elasticsearch client.
    from index.es_backend import ElasticsearchBackend

    return ElasticsearchBackend(es_url, alias=alias)
