"""Every Trialdex setting, resolved in one place with one default each.

The CLI, the API server and the DAG tasks all call `load()`, so
``TRIALDEX_HOME=/x trialdex serve`` started from any directory serves what the
DAGs wrote into ``/x``: nobody resolves a path relative to the working
directory.

A setting can be given four ways; the first that is given (and not empty) wins:

1. an explicit value: a CLI flag, or a DAG run's param (``overrides``);
2. on an Airflow deployment, the Airflow Variable (``variables``, a lookup the
   task passes in; the Elasticsearch URL comes from the connection
   ``trialdex_es`` the same way);
3. the environment variable;
4. the default, which for paths is derived from the data directory.

`SETTINGS` is the table of every setting: its name, environment variable,
Airflow Variable, default and meaning. The README's settings table is checked
against it by a test, so the two cannot drift apart.

The shared corpus is read from ``TRIALDEX_CORPUS``, else ``../shared/corpus``
beside the checkout; nothing names a path of one particular machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from parsers.errors import ConfigurationError

# The checkout (or the install prefix) holding the packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

BackendKind = Literal["es", "sqlite"]
BACKEND_KINDS: tuple[BackendKind, ...] = ("es", "sqlite")
DEFAULT_ALIAS = "trials"
DEFAULT_CONTACT_URL = "https://github.com/trialdex/trialdex#crawler"
DEFAULT_CTGOV_BASE_URL = "https://clinicaltrials.gov"
ES_CONNECTION = "trialdex_es"

Lookup = Callable[[str], Any]


@dataclass(frozen=True)
class Setting:
    """One setting: ``key`` is its name in `Config` and in DAG params."""

    key: str
    env: str | None
    variable: str | None
    default: str
    help: str
    tooling: bool = False  # used by developer tooling (devtools/), not by a deployment


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "data_dir",
        "TRIALDEX_HOME",
        "trialdex_data_dir",
        "`var/` in the checkout",
        "the data directory: raw stores, pipeline runs, the SQLite index, the demo's Airflow home",
    ),
    Setting(
        "raw_dir",
        "TRIALDEX_RAW_DIR",
        "trialdex_raw_dir",
        "`<data dir>/raw`",
        "root of the raw stores, one per source below it",
    ),
    Setting(
        "sqlite_path",
        "TRIALDEX_SQLITE",
        "trialdex_sqlite_path",
        "`<data dir>/trialdex.sqlite`",
        "the SQLite index file (`--path`)",
    ),
    Setting(
        "elasticsearch_url",
        "ELASTICSEARCH_URL",
        None,
        "unset",
        "use this Elasticsearch cluster (on Airflow: the connection `trialdex_es`); "
        "unset means the SQLite backend",
    ),
    Setting(
        "backend",
        "TRIALDEX_BACKEND",
        None,
        "`es` when an Elasticsearch URL is set, else `sqlite`",
        "the search backend the CLI and `trialdex serve` open (`--backend`)",
    ),
    Setting(
        "es_alias",
        "TRIALDEX_ES_ALIAS",
        "trialdex_index_alias",
        "`trials`",
        "the Elasticsearch alias read and written (`--alias`)",
    ),
    Setting(
        "api_key",
        "TRIALDEX_API_KEY",
        None,
        "unset",
        "the key state-changing API endpoints require; unset switches them off",
    ),
    Setting(
        "contact_url",
        "TRIALDEX_CONTACT_URL",
        None,
        "the project page",
        "the contact URL in the crawlers' User-Agent: operators should set their own",
    ),
    Setting(
        "ctgov_base_url",
        "TRIALDEX_CTGOV_BASE_URL",
        "trialdex_ctgov_base_url",
        "`https://clinicaltrials.gov`",
        "the ClinicalTrials.gov root (or an emulator) serving `/api/v2/studies`",
    ),
    Setting(
        "quality_thresholds",
        None,
        "trialdex_quality_thresholds",
        "see the quality gate",
        'quality-gate thresholds as JSON, e.g. `{"max_coverage_drop": 0.2}` (param `thresholds`)',
    ),
    Setting(
        "max_fetch_failure_share",
        "TRIALDEX_MAX_FETCH_FAILURE_SHARE",
        "trialdex_max_fetch_failure_share",
        "`0.25`",
        "a crawl whose requests fail beyond this share (HTTP 5xx/429 after retries, "
        "connection errors) fails its task (param of the same name)",
    ),
    Setting(
        "reconcile_max_missing",
        "TRIALDEX_RECONCILE_MAX_MISSING",
        "trialdex_reconcile_max_missing",
        "`0.10`",
        "reconcile fails when more of the trials a source states or lists are not searchable "
        "than this share of them (param of the same name)",
    ),
    Setting(
        "reconcile_max_extra",
        "TRIALDEX_RECONCILE_MAX_EXTRA",
        "trialdex_reconcile_max_extra",
        "`0.10`",
        "reconcile fails when more trials are searchable than the source states or lists, "
        "beyond this share of them (param of the same name)",
    ),
    Setting(
        "listing_sites",
        None,
        "trialdex_listing_sites",
        "the local `sample` site",
        "the listing sites to crawl, as JSON (see the operating section)",
    ),
    Setting(
        "es_search_timeout",
        "TRIALDEX_ES_SEARCH_TIMEOUT",
        None,
        "`10s`",
        "how long Elasticsearch may spend on one search before answering with what it has",
    ),
    Setting(
        "es_replicas",
        "TRIALDEX_ES_REPLICAS",
        None,
        "`0`",
        "replicas of each new Elasticsearch index (raise it on a cluster of several nodes)",
    ),
    Setting(
        "task_retries",
        "TRIALDEX_TASK_RETRIES",
        None,
        "`3`",
        "retries of every DAG task but the quality gate (read by the DAG processor)",
    ),
    Setting(
        "retry_delay_seconds",
        "TRIALDEX_RETRY_DELAY_SECONDS",
        None,
        "`30`",
        "the first retry's delay; later ones back off exponentially",
    ),
    Setting(
        "max_retry_delay_seconds",
        "TRIALDEX_MAX_RETRY_DELAY_SECONDS",
        None,
        "`1800`",
        "the longest delay between two retries",
    ),
    Setting(
        "crawl_timeout_hours",
        "TRIALDEX_CRAWL_TIMEOUT_HOURS",
        None,
        "`6`",
        "execution timeout of crawl tasks and of the reparse DAG's tasks, which read whole "
        "sources (read by the DAG processor)",
    ),
    Setting(
        "task_timeout_hours",
        "TRIALDEX_TASK_TIMEOUT_HOURS",
        None,
        "`1`",
        "execution timeout of every other DAG task (read by the DAG processor)",
    ),
    Setting(
        "dagrun_timeout_hours",
        "TRIALDEX_DAGRUN_TIMEOUT_HOURS",
        None,
        "`12`",
        "how long one DAG run may take before the scheduler fails it (read by the DAG processor)",
    ),
    Setting(
        "failure_notifier",
        "TRIALDEX_FAILURE_NOTIFIER",
        "trialdex_failure_notifier",
        "log at ERROR",
        "the Airflow notifier class (import path) told of every failed task or DAG run, "
        "e.g. `airflow.providers.smtp.notifications.smtp.SmtpNotifier`",
    ),
    Setting(
        "failure_notifier_kwargs",
        "TRIALDEX_FAILURE_NOTIFIER_KWARGS",
        "trialdex_failure_notifier_kwargs",
        "`{}`",
        'the notifier\'s keyword arguments as a JSON object, e.g. `{"to": "ops@example.org"}`',
    ),
    Setting(
        "corpus",
        "TRIALDEX_CORPUS",
        None,
        "`../shared/corpus` beside the checkout",
        "the real-data corpus read by tests, benchmarks and the emulator",
        tooling=True,
    ),
    Setting(
        "cache_dir",
        "TRIALDEX_CACHE",
        None,
        "`~/.cache/trialdex` (`/var/cache/trialdex` as root)",
        "downloaded Elasticsearch and other caches",
        tooling=True,
    ),
    Setting(
        "es_version",
        "TRIALDEX_ES_VERSION",
        None,
        "newest 9.x that resolves",
        "pin the dev server's Elasticsearch version",
        tooling=True,
    ),
    Setting(
        "es_java_home",
        "ES_JAVA_HOME",
        None,
        "newest JDK 21+ found",
        "the Java the dev server runs on",
        tooling=True,
    ),
    Setting(
        "es_user",
        "TRIALDEX_ES_USER",
        None,
        "`trialdex-es`",
        "the unprivileged user the dev server runs as when started by root",
        tooling=True,
    ),
    Setting(
        "es_start_timeout",
        "TRIALDEX_ES_START_TIMEOUT",
        None,
        "`180`",
        "seconds the dev server may take to become healthy",
        tooling=True,
    ),
    Setting(
        "maven_repo",
        "TRIALDEX_MAVEN_REPO",
        None,
        "Maven Central",
        "where the dev server's Elasticsearch distribution is downloaded from",
        tooling=True,
    ),
    Setting(
        "bench_alias",
        "TRIALDEX_BENCH_ALIAS",
        None,
        "`trials-bench`",
        "the Elasticsearch alias `trialdex bench index` fills and `bench api` reads",
        tooling=True,
    ),
    Setting(
        "es_heap",
        "TRIALDEX_ES_HEAP",
        None,
        "`512m`",
        "the dev server's initial heap (give benchmarks more)",
        tooling=True,
    ),
    Setting(
        "es_max_heap",
        "TRIALDEX_ES_MAX_HEAP",
        None,
        "`1g`",
        "the dev server's maximum heap",
        tooling=True,
    ),
)

_BY_KEY = {s.key: s for s in SETTINGS}


def setting(key: str) -> Setting:
    return _BY_KEY[key]


def env_name(key: str) -> str:
    """The environment variable of a setting that has one."""
    name = _BY_KEY[key].env
    if name is None:
        raise KeyError(f"setting {key!r} has no environment variable")
    return name


@dataclass(frozen=True)
class Config:
    """The resolved settings of one process or task."""

    data_dir: Path
    raw_root: Path
    sqlite_path: Path
    elasticsearch_url: str | None
    backend: BackendKind
    es_alias: str
    api_key: str | None
    contact_url: str
    ctgov_base_url: str

    def raw_dir(self, source: str) -> Path:
        """One source's raw store: ``<raw root>/<source>``."""
        return self.raw_root / source

    def describe_index(self) -> str:
        """Where the index is, safe to log (credentials in a URL are masked)."""
        return describe_index(self.backend, self.elasticsearch_url, self.sqlite_path, self.es_alias)


def settings_table() -> str:
    """The README's settings table, made from `SETTINGS` (a test keeps the two equal)."""

    def code(text: str | None) -> str:
        return f"`{text}`" if text else ""

    rows = [
        "| setting | environment | Airflow Variable | default | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in sorted(SETTINGS, key=lambda s: s.tooling):
        meaning = ("tooling: " if spec.tooling else "") + spec.help
        rows.append(
            f"| {spec.key} | {code(spec.env)} | {code(spec.variable)} | {spec.default} | "
            f"{meaning} |"
        )
    return "\n".join(rows)


README_TABLE_START = "<!-- settings table: generated from core.config -->\n"
README_TABLE_END = "\n<!-- end of settings table -->"


def readme_with_settings_table(readme: str) -> str:
    """``readme`` with its generated settings table replaced by the current one."""
    start = readme.index(README_TABLE_START) + len(README_TABLE_START)
    end = readme.index(README_TABLE_END)
    return readme[:start] + settings_table() + readme[end:]


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != []


def raw_value(
    key: str,
    overrides: Mapping[str, Any] | None = None,
    variables: Lookup | None = None,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """A setting's value by precedence (explicit, Variable, environment), or None."""
    spec = _BY_KEY[key]
    explicit = (overrides or {}).get(key)
    if _given(explicit):
        return explicit
    if variables is not None and spec.variable:
        value = variables(spec.variable)
        if _given(value):
            return value
    env = os.environ if environ is None else environ
    if spec.env and _given(env.get(spec.env)):
        return env[spec.env]
    return None


def default_data_dir() -> Path:
    """``var/`` in a checkout; in an installed package, the user's data directory."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "var"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trialdex"


def load(
    overrides: Mapping[str, Any] | None = None,
    *,
    variables: Lookup | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve every product setting; ``overrides`` are CLI flags or run params by key."""

    def value(key: str) -> Any:
        return raw_value(key, overrides, variables, environ)

    data_dir = Path(value("data_dir") or default_data_dir()).expanduser().resolve()
    raw_root = Path(value("raw_dir") or data_dir / "raw").expanduser().resolve()
    sqlite_path = Path(value("sqlite_path") or data_dir / "trialdex.sqlite").expanduser()
    es_url = value("elasticsearch_url")
    es_url = str(es_url).rstrip("/") if es_url else None
    backend = value("backend") or ("es" if es_url else "sqlite")
    if backend not in BACKEND_KINDS:
        origin = "backend" if _given((overrides or {}).get("backend")) else "TRIALDEX_BACKEND"
        raise ConfigurationError(f"{origin}={backend!r}: expected 'es' or 'sqlite'")
    return Config(
        data_dir=data_dir,
        raw_root=raw_root,
        sqlite_path=sqlite_path.resolve(),
        elasticsearch_url=es_url,
        backend=backend,
        es_alias=str(value("es_alias") or DEFAULT_ALIAS),
        api_key=value("api_key") or None,
        contact_url=str(value("contact_url") or DEFAULT_CONTACT_URL),
        ctgov_base_url=str(value("ctgov_base_url") or DEFAULT_CTGOV_BASE_URL).rstrip("/"),
    )


def describe_index(
    backend: BackendKind, url: str | None, sqlite_path: Path | None, alias: str
) -> str:
    """Where an index is, safe to log (credentials in a URL are masked)."""
    if backend == "sqlite":
        return f"SQLite {sqlite_path}"
    return f"Elasticsearch {mask_url(url or '')} alias {alias}"


def mask_url(url: str) -> str:
    """``url`` with any user and password replaced by ``***``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    if parts.username:
        host = f"***@{host}"
    return urlunsplit(parts._replace(netloc=host))


# --- tooling locations ---------------------------------------------------------------------


def corpus_dir() -> Path:
    """The shared real-data corpus: ``TRIALDEX_CORPUS``, else ``../shared/corpus``."""
    explicit = raw_value("corpus")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return PROJECT_ROOT.parent / "shared" / "corpus"


def shared_dir() -> Path:
    """The shared folder holding the corpus and the design documents."""
    return corpus_dir().parent


def cache_dir() -> Path:
    """Downloads (the Elasticsearch distribution) and dev-server state, outside the checkout.

    As root the default is under /var/cache, because the unprivileged server
    user must be able to read the unpacked distribution and /root is private.
    """
    explicit = raw_value("cache_dir")
    if explicit:
        return Path(explicit).expanduser()
    if os.geteuid() == 0:
        return Path("/var/cache/trialdex")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trialdex"


def dev_es_state_file() -> Path:
    """Where ``trialdex dev-es start`` records the server it started."""
    return cache_dir() / "devserver.json"


def recorded_dev_es_url() -> str | None:
    """The URL of a dev server ``trialdex dev-es start`` left running, if its process lives.

    Lets ``--backend es`` work without ``ELASTICSEARCH_URL`` on a developer's
    machine; the server's health is the caller's first request to find out.
    """
    try:
        state = json.loads(dev_es_state_file().read_text())
        pid, url = int(state["pid"]), str(state["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except PermissionError:
        return url  # alive, but another user's process (the unprivileged server user)
    except OSError:
        return None
    return url


if __name__ == "__main__":
    import sys

    # python -m core.config README.md: rewrite the README's settings table.
    target = Path(sys.argv[1])
    target.write_text(readme_with_settings_table(target.read_text(encoding="utf-8")))
