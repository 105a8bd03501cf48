"""Open the search backend that `core.config` resolved: what the CLI and the API serve."""

from __future__ import annotations

from core import config
from index.backend import SearchBackend
from parsers.errors import ConfigurationError


def open_configured(settings: config.Config) -> SearchBackend:
    """Elasticsearch at the configured URL (or a running dev server), else the SQLite file."""
    if settings.backend == "es":
        url = settings.elasticsearch_url or config.recorded_dev_es_url()
        if not url:
            raise ConfigurationError(
                "the Elasticsearch backend needs ELASTICSEARCH_URL "
                "(or a dev server: trialdex dev-es start)"
            )
        from index.es_backend import ElasticsearchBackend

        return ElasticsearchBackend(url, alias=settings.es_alias)
    from index.sqlite_backend import SqliteBackend

    return SqliteBackend(settings.sqlite_path)
