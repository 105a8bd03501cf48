"""How to open a search backend: the one place that knows both implementations.

`open_configured()` opens the backend `core.config` resolved: Elasticsearch
when the settings say so (an Elasticsearch URL is set, or ``backend`` is
``es``), else the embedded SQLite file (``TRIALDEX_SQLITE``, else
``trialdex.sqlite`` in ``TRIALDEX_HOME``). `open_backend()` is the same with a
few settings given explicitly. Callers (the API, the DAGs, the CLI) then use
only `index.backend.SearchBackend`; `open_elasticsearch()` resolves the URL
the same way for the tools that need the Elasticsearch backend itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core import config
from index.backend import SearchBackend
from parsers.errors import ConfigurationError

if TYPE_CHECKING:
    from index.es_backend import ElasticsearchBackend

DEFAULT_ALIAS = config.DEFAULT_ALIAS

BackendKind = config.BackendKind


def open_configured(settings: config.Config) -> SearchBackend:
    """The backend of resolved settings; not set up (call ``setup()`` before indexing;
    searching a fresh SQLite file sets it up itself)."""
    if settings.backend == "es":
        return open_elasticsearch(settings.elasticsearch_url, alias=settings.es_alias)
    from index.sqlite_backend import SqliteBackend

    return SqliteBackend(settings.sqlite_path)


def open_backend(
    kind: BackendKind | None = None,
    *,
    url: str | None = None,
    path: str | Path | None = None,
    alias: str | None = None,
) -> SearchBackend:
    """`open_configured` with these arguments as explicit settings: Elasticsearch when
    ``kind == "es"`` or a URL is configured, else SQLite."""
    if kind not in (None, *config.BACKEND_KINDS):
        raise ConfigurationError(f"unknown backend {kind!r}; expected 'es' or 'sqlite'")
    return open_configured(
        config.load(
            {"backend": kind, "elasticsearch_url": url, "sqlite_path": path, "es_alias": alias}
        )
    )


def open_elasticsearch(url: str | None = None, *, alias: str | None = None) -> ElasticsearchBackend:
    """The Elasticsearch backend itself, for tools that use more than the protocol
    (the benchmarks): at ``url``, else the configured URL, else a running dev server."""
    es_url = url or config.load().elasticsearch_url or config.recorded_dev_es_url()
    if not es_url:
        raise ConfigurationError(
            "the Elasticsearch backend needs ELASTICSEARCH_URL "
            "(or a dev server: trialdex dev-es start)"
        )
    # Imported only when chosen: the SQLite path never loads the Elasticsearch client.
    from index.es_backend import ElasticsearchBackend

    return ElasticsearchBackend(es_url, alias=alias or config.load().es_alias)
