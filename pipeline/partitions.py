"""Where each step of a run keeps its files: one directory per source and data interval.

Layout under the data directory::

    raw/<source>/                       the source's raw store (crawlers.rawstore);
                                        the raw root can live elsewhere (raw_root)
    runs/<source>/state.json            stats of past successful runs (quality baseline)
    runs/<source>/<start>_<end>/        one partition: crawl.json, records.jsonl,
                                        quarantine.jsonl, stats.json, gate.json,
                                        index.json, index_failures.jsonl, reconcile.json

Partition names come from the data interval only, never from the clock, so a
rerun of the same interval writes the same paths (atomically: temp file +
rename) and changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.atomic import atomic_text
from parsers.errors import ConfigurationError
from sources.base import check_name


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_moment(value: str | datetime) -> datetime:
    """A timezone-aware UTC datetime from a datetime or an ISO 8601 string."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigurationError(f"not an ISO 8601 date or time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Partition:
    """One source's share of one data interval."""

    data_dir: Path
    source: str
    start: datetime
    end: datetime
    raw_root: Path | None = None  # where raw stores live; default <data_dir>/raw

    @classmethod
    def of(
        cls,
        data_dir: str | Path,
        source: str,
        start: str | datetime,
        end: str | datetime,
        raw_root: str | Path | None = None,
    ) -> Partition:
        begin, finish = parse_moment(start), parse_moment(end)
        if finish < begin:
            raise ConfigurationError(f"data interval ends ({finish}) before it starts ({begin})")
        root = Path(raw_root) if raw_root else None
        return cls(Path(data_dir), check_name(source), begin, finish, root)

    @property
    def key(self) -> str:
        """``<start>_<end>`` in compact UTC; sorts in time order."""
        return f"{_stamp(self.start)}_{_stamp(self.end)}"

    @property
    def source_dir(self) -> Path:
        return self.data_dir / "runs" / self.source

    @property
    def dir(self) -> Path:
        return self.source_dir / self.key

    @property
    def raw_dir(self) -> Path:
        return raw_dir(self.data_dir, self.source, self.raw_root)

    @property
    def state_file(self) -> Path:
        return self.source_dir / "state.json"

    def state(self) -> dict[str, Any]:
        """The source's state (baselines, the standing alarm, the fetched-through mark)."""
        state: dict[str, Any] = read_json(self.state_file, {}) or {}
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        """Write the source's state back, whole and atomically."""
        write_json(self.state_file, {**state, "source": self.source})

    def path(self, name: str) -> Path:
        """A file of this partition (the directory is created on demand)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        return self.dir / name

    def describe(self) -> str:
        return f"{self.source} {self.start.isoformat()} .. {self.end.isoformat()}"


def raw_dir(data_dir: str | Path, source: str, raw_root: str | Path | None = None) -> Path:
    """The raw store of one source (one store per source keeps increments apart)."""
    return Path(raw_root or Path(data_dir) / "raw") / check_name(source)


def write_json(path: Path, data: Any) -> Path:
    """Write JSON atomically (temp file in the same directory, then rename)."""
    with atomic_text(path) as fh:
        json.dump(data, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")
    return path


def read_json(path: Path, default: Any = None) -> Any:
    """JSON from a file, or ``default`` when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from exc
