"""Settings of a pipeline run as plain values: where data lives, which index, which thresholds.

`pipeline.airflow_settings` fills these through `core.config` from Airflow
connections, variables and params; tests and the demo build them directly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from core import config
from parsers.errors import ConfigurationError

if TYPE_CHECKING:
    from index.backend import SearchBackend

DEFAULT_ALIAS = config.DEFAULT_ALIAS


@dataclass(frozen=True)
class BackendConfig:
    """Which search index the pipeline writes: Elasticsearch when a URL is set, else SQLite."""

    kind: Literal["es", "sqlite"]
    url: str | None = None
    path: Path | None = None
    alias: str = DEFAULT_ALIAS

    @classmethod
    def choose(
        cls, url: str | None, sqlite_path: Path, alias: str = DEFAULT_ALIAS
    ) -> BackendConfig:
        if url:
            return cls("es", url=url.rstrip("/"), alias=alias)
        return cls("sqlite", path=sqlite_path, alias=alias)

    @classmethod
    def of(cls, settings: config.Config) -> BackendConfig:
        """The index `core.config` resolved."""
        if settings.backend == "es":
            return cls("es", url=settings.elasticsearch_url, alias=settings.es_alias)
        return cls("sqlite", path=settings.sqlite_path, alias=settings.es_alias)

    def open(self) -> SearchBackend:
        from index.factory import open_backend

        if self.kind == "es":
            return open_backend("es", url=self.url, alias=self.alias)
        return open_backend("sqlite", path=self.path, alias=self.alias)

    def describe(self) -> str:
        """Where the index is, safe to log (credentials in a URL are masked)."""
        return config.describe_index(self.kind, self.url, self.path, self.alias)


@dataclass(frozen=True)
class GateThresholds:
    """When the quality gate fails a run (rates and coverages are fractions 0..1).

    max_failure_rate: parse failures / pages, never to be exceeded.
    max_failure_rate_increase: rise of the failure rate over the previous run.
    max_coverage_drop: fall of the share of records that have a key field.
    min_items: below this many items (trial pages, studies) in a run, or in the
        previous run, the comparison is too noisy: only the ceiling applies.
    max_count_drop: fall of a source's trial count, as a share of the live index's,
        that stops a rebuilt index from being swapped in (`pipeline.rebuild_guard`;
        which also applies max_coverage_drop and min_items, per source).
    """

    max_failure_rate: float = 0.5
    max_failure_rate_increase: float = 0.05
    max_coverage_drop: float = 0.10
    min_items: int = 10
    max_count_drop: float = 0.10

    @classmethod
    def from_mapping(cls, data: Any, origin: str = "thresholds") -> GateThresholds:
        """Thresholds from a dict (or JSON text); unknown names are an error."""
        if data is None or data == "":
            return cls()
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise ConfigurationError(f"{origin}: not JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise ConfigurationError(f"{origin}: expected a JSON object, got {data!r}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigurationError(
                f"{origin}: unknown threshold(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            try:
                values[name] = int(value) if name == "min_items" else float(value)
            except (TypeError, ValueError) as exc:
                raise ConfigurationError(
                    f"{origin}: {name} must be a number, got {value!r}"
                ) from exc
        return replace(cls(), **values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _default_data_dir() -> Path:
    return config.load().data_dir


@dataclass(frozen=True)
class PipelineSettings:
    data_dir: Path = field(default_factory=_default_data_dir)
    raw_root: Path | None = None  # raw stores; default <data_dir>/raw
    backend: BackendConfig | None = None
    thresholds: GateThresholds = field(default_factory=GateThresholds)

    @property
    def index(self) -> BackendConfig:
        if self.backend is not None:
            return self.backend
        return BackendConfig.of(config.load({"data_dir": self.data_dir}))
