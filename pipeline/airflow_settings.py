"""Settings from Airflow: the ``trialdex_es`` connection, ``trialdex_*`` variables, run params.

Only task code calls these (at run time); DAG files call nothing here at
import time except `listing_sites_for_dags`, which reads an environment
variable and never the metadata database.

Every setting is resolved by `core.config`: the run's params, then the
Airflow Variable, then the environment, then the default.

============================  ==============================================
Airflow name                  meaning
============================  ==============================================
connection ``trialdex_es``    Elasticsearch URL; absent = the SQLite backend
``trialdex_data_dir``         raw stores, run partitions, state, SQLite index
``trialdex_raw_dir``          where the raw stores live (default <data_dir>/raw)
``trialdex_index_alias``      Elasticsearch alias (default ``trials``)
``trialdex_sqlite_path``      SQLite index file (default TRIALDEX_SQLITE, <data_dir>/...)
``trialdex_quality_thresholds``  JSON of `GateThresholds` fields
``trialdex_ctgov_base_url``   ClinicalTrials.gov root (serving /api/v2/studies)
``trialdex_listing_sites``    JSON of listing sites (see `sources.listing_sites`)
============================  ==============================================
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from core import config
from pipeline.settings import BackendConfig, GateThresholds, PipelineSettings
from sources.listing_sites import ListingSite, parse_sites

ES_CONN_ID = config.ES_CONNECTION
SITES_VARIABLE = config.setting("listing_sites").variable or ""


def variable(name: str, default: Any = None) -> Any:
    """An Airflow Variable (env ``AIRFLOW_VAR_<NAME>`` or the metastore), else ``default``."""
    from airflow.sdk import Variable

    return Variable.get(name, default=default)


def connection_url(conn_id: str = ES_CONN_ID) -> str | None:
    """The URL of an Airflow connection, or None when it is not defined."""
    from airflow.sdk import Connection

    try:
        conn = Connection.get(conn_id)
    except Exception:  # AirflowNotFoundException: no such connection -> SQLite
        return None
    return url_of(
        conn.conn_type, conn.host, conn.port, conn.login, conn.password, conn.schema, conn.extra
    )


def url_of(
    conn_type: str | None,
    host: str | None,
    port: int | None,
    login: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    extra: str | None = None,
) -> str | None:
    """Build an http(s) URL from connection fields (``extra`` may carry ``{"url": ...}``)."""
    if extra:
        try:
            url = json.loads(extra).get("url")
        except (ValueError, AttributeError):
            url = None
        if url:
            return str(url).rstrip("/")
    if not host:
        return None
    if "://" in host:
        return host.rstrip("/")
    scheme = "https" if "https" in (conn_type or "", schema or "") else "http"
    auth = f"{login}:{password}@" if login else ""
    return f"{scheme}://{auth}{host}" + (f":{port}" if port else "")


def _param(params: Mapping[str, Any] | None, name: str) -> Any:
    value = (params or {}).get(name)
    return None if value in (None, "") else value


def resolved(params: Mapping[str, Any] | None = None) -> config.Config:
    """`core.config` with the run's params first, then Variables, then the environment.

    The connection ``trialdex_es`` is Airflow's form of the Elasticsearch URL;
    without it a worker's ``ELASTICSEARCH_URL`` applies, as everywhere else.
    """
    overrides = {
        "data_dir": _param(params, "data_dir"),
        "raw_dir": _param(params, "raw_dir"),
        "sqlite_path": _param(params, "sqlite_path"),
        "es_alias": _param(params, "index_alias"),
        "ctgov_base_url": _param(params, "base_url"),
        "elasticsearch_url": connection_url(),
    }
    return config.load(overrides, variables=variable)


def share(key: str, params: Mapping[str, Any] | None, default: float) -> float:
    """A share (0..1) setting for a task: the run's param of the same name, the Variable,
    the environment, else ``default``."""
    from parsers.errors import ConfigurationError

    value = config.raw_value(key, {key: _param(params, key)}, variables=variable)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ConfigurationError(f"{key}={value!r}: expected a share between 0 and 1")
    return number


def pipeline_settings(params: Mapping[str, Any] | None = None) -> PipelineSettings:
    """Everything a task needs besides its source's own settings."""
    settings = resolved(params)
    thresholds = GateThresholds.from_mapping(
        config.raw_value("quality_thresholds", variables=variable),
        origin="variable trialdex_quality_thresholds",
    )
    override = _param(params, "thresholds")
    if override:
        merged = {**thresholds.to_dict(), **_as_dict(override, "param thresholds")}
        thresholds = GateThresholds.from_mapping(merged, origin="param thresholds")
    return PipelineSettings(
        data_dir=settings.data_dir,
        raw_root=settings.raw_root,
        backend=BackendConfig.of(settings),
        thresholds=thresholds,
    )


def _as_dict(value: Any, origin: str) -> dict[str, Any]:
    from parsers.errors import ConfigurationError

    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ConfigurationError(f"{origin}: expected a JSON object")
    return value


def ctgov_base_url(params: Mapping[str, Any] | None = None) -> str:
    return resolved(params).ctgov_base_url


def listing_sites_for_dags() -> dict[str, ListingSite]:
    """The configured sites, read at DAG-parse time without touching the database.

    Airflow serves Variables from the environment as ``AIRFLOW_VAR_<NAME>``;
    reading that directly keeps parsing free of metastore queries. The same
    Variable in the metastore refines a site's settings at run time.
    """
    return parse_sites(
        config.raw_value(
            "listing_sites", variables=lambda name: os.environ.get(f"AIRFLOW_VAR_{name.upper()}")
        )
    )


def configured_sites() -> dict[str, ListingSite]:
    """The sites of the Variable at run time (its environment form or the metastore)."""
    return parse_sites(config.raw_value("listing_sites", variables=variable))


def listing_site(name: str, params: Mapping[str, Any] | None = None) -> ListingSite:
    """One site's settings at run time: the Variable, then the run's params."""
    configured = configured_sites()
    site = configured.get(name) or listing_sites_for_dags().get(name) or ListingSite(name)
    overrides = {
        key: _param(params, key)
        for key in ("start_urls", "sitemap_urls", "allowed_domains", "settings")
    }
    return site.with_overrides(overrides)
