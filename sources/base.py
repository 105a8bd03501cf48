"""The seam every source of trials plugs into: one small adapter per source.

A source says four things and nothing else:

* its **name**: the key of its raw store, its run partitions and its quality
  baseline (``ctgov``, ``listing_<site>``), and the ``source.name`` its records
  carry in the index (``index_source``);
* how it is **fetched** into its raw store (`Source.fetch`: a Scrapy spider
  run by `crawlers.client`, an API harvester, or a file import), returning the
  run's `crawlers.frontier.CrawlSummary`;
* how one stored response is **parsed** (`Source.parse`): the records it
  holds, the items that failed with their reasons, or why the response is not
  a page of trials at all; record ids are formed by the source's parser
  (``ctgov:<NCT id>``, ``listing:<host>:<slug>``) and `Source.id_prefix`
  names the part every id of the source shares;
* what the source **states** about its own size (`Source.stated`), which
  the reconcile step compares with what is searchable.

The pipeline (`pipeline.crawl`, `pipeline.parse`, `pipeline.reconcile`,
`pipeline.reparse`) and the DAG tasks speak only this protocol, so a new
registry is a new adapter registered in `sources.registry`, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from crawlers.frontier import CrawlSummary
from crawlers.rawstore import RawResponse
from parsers.errors import ConfigurationError, ParseError
from parsers.records import TrialRecord

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def check_name(name: str) -> str:
    """A source name is used in paths: lower-case letters, digits, ``_`` and ``-``."""
    if not _NAME.match(name):
        raise ConfigurationError(
            f"source {name!r}: use lower-case letters, digits, '_' and '-' (it names directories)"
        )
    return name


def common_prefix(ids: Iterable[str]) -> str | None:
    """``<kind>:<site>:`` shared by record ids of the form ``<kind>:<site>:<key>``, if one is."""
    prefixes = {i.rsplit(":", 1)[0] + ":" for i in ids if i.count(":") >= 2}
    return prefixes.pop() if len(prefixes) == 1 else None


@dataclass
class ParsedPage:
    """What one stored response gave: records, failed items, or why it holds no trials.

    ``skipped`` set means the response is not a page of trials (a listing page of
    a site, say) and counts neither as a page nor as a failure.
    """

    records: list[TrialRecord] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    skipped: str | None = None


@dataclass(frozen=True)
class Stated:
    """What a source states about its own size, for reconcile.

    ``total``: the number of trials it says it has (None: it does not say);
    ``detail``: how that total is made up; ``listed_ids``: record ids of trials it
    lists (None: it lists none); ``id_prefix``: what every record id of the source
    starts with, to count its searchable records.
    """

    total: int | None = None
    detail: dict[str, Any] | None = None
    listed_ids: frozenset[str] | None = None
    id_prefix: str | None = None


class Source(Protocol):
    """One source of trials; see the module docstring."""

    @property
    def name(self) -> str: ...

    @property
    def index_source(self) -> str:
        """The ``source.name`` of this source's records in the index."""
        ...

    @property
    def fetch_is_chain(self) -> bool:
        """Whether each page's URL comes from the previous page (a paged API), so that one
        failed page leaves the fetch incomplete."""
        ...

    def fetch(self, raw_dir: Path, *, since: datetime | None) -> CrawlSummary:
        """Fetch into ``raw_dir`` (what changed since ``since``, when the source can say).

        Raises `ServiceError` when the fetch could not run; a fetch that must be
        resumed raises too, so the task's retry resumes it."""
        ...

    def parse(self, response: RawResponse, body: bytes) -> ParsedPage:
        """Parse one stored 200 response; raises `ParseError` when the whole page is bad."""
        ...

    def stated(self, raw_dir: Path) -> Stated:
        """What the source states about its size now."""
        ...
