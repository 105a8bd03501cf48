"""The one small interface every search backend implements, and what indexing reports.

`SearchBackend` is all a caller (the API, the DAGs, the CLI) may use of a
backend; `IndexReport` and `IndexFailure` say what an indexing run did, and
`IndexingInterrupted` carries the report of a run the service cut short.
`index.factory.open_backend` opens one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from index.coverage import SourceCoverage
from index.search_models import Facet, SearchRequest, SearchResponse
from parsers.errors import ServiceError
from parsers.records import TrialRecord

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class IndexFailure:
    """A record the backend refused, with the reason it gave."""

    id: str
    reason: str


@dataclass(slots=True)
class IndexReport:
    """What an indexing run did; failures are never dropped silently."""

    indexed: int = 0
    failures: list[IndexFailure] = field(default_factory=list)
    deleted: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def merge(self, other: IndexReport) -> None:
        self.indexed += other.indexed
        self.failures.extend(other.failures)
        self.deleted += other.deleted
        self.retries += other.retries

    def write_failures(self, path: Path) -> None:
        """Append the failures as JSON lines (id, reason) to ``path``."""
        if not self.failures:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for failure in self.failures:
                fh.write(json.dumps({"id": failure.id, "reason": failure.reason}) + "\n")

    def summary(self) -> str:
        text = f"indexed {self.indexed}, failed {len(self.failures)}"
        if self.deleted:
            text += f", deleted {self.deleted}"
        if self.retries:
            text += f", retried {self.retries}"
        return text


class IndexingInterrupted(ServiceError):
    """The search service went away in the middle of an indexing run.

    ``report`` holds what was done before; indexing is an upsert by id, so
    running the same input again completes it without duplicates.
    """

    def __init__(self, message: str, report: IndexReport) -> None:
        self.report = report
        super().__init__(message)


@runtime_checkable
class SearchBackend(Protocol):
    """Index and search trial records. Both backends honour the same semantics."""

    name: str

    def setup(self) -> None:
        """Create what the backend needs; safe to call on every start."""

    def index_records(
        self, records: Iterable[TrialRecord], *, progress: Progress | None = None
    ) -> IndexReport:
        """Upsert records by `TrialRecord.id`; every refused record is in the report.

        ``progress`` is called with the number of records handled so far."""
        ...

    def rebuild(
        self, records: Callable[[], Iterable[TrialRecord]], *, progress: Progress | None = None
    ) -> IndexReport:
        """Replace the whole index by one filled from ``records()``, swapped in at once.

        Searches see the old contents until the swap and only the new ones
        after it (never a half-built index); this backend object reads the new
        index afterwards. ``records`` is a callable so a backend may start the
        input again. A run that fails leaves the live index as it was.
        """
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id; returns how many existed."""
        ...

    def get(self, id: str) -> TrialRecord | None: ...

    def search(self, request: SearchRequest) -> SearchResponse:
        """Raises `SearchRequestError` for a bad cursor or request."""
        ...

    def search_json(self, request: SearchRequest) -> bytes:
        """`search`'s answer as the API's JSON (``model_dump_json(by_alias=True)``),
        by whatever route is cheapest for the backend."""
        ...

    def suggest(self, field: str, prefix: str, size: int = 10) -> list[str]:
        """Values of a suggest facet (condition, intervention, sponsor) with a word
        starting with ``prefix`` (case-insensitive), most frequent first."""
        ...

    def facet_values(
        self, name: str, request: SearchRequest | None = None, size: int = 100
    ) -> Facet:
        """One facet's values and counts under ``request``'s other selections."""
        ...

    def count(self) -> int: ...

    def ids(self, source: str | None = None) -> set[str]:
        """Ids of indexed records (of one source), to find records that disappeared."""
        ...

    def coverage_by_source(self) -> dict[str, SourceCoverage]:
        """Per ``source.name`` of the indexed records: how many there are and how many
        have each field of `index.coverage.COVERAGE_FIELDS` (in its meaning there).

        Read before a rebuild is swapped in, to compare the new records with what
        is serving; an index with nothing behind it answers ``{}``."""
        ...

    def health(self) -> dict[str, object]: ...

    def close(self) -> None: ...
