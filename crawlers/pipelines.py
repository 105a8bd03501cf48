"""Items spiders yield, and the pipeline that keeps every raw page in the raw store.

Spiders only navigate: for each response they yield a `RawPage` (the page as
fetched) and, for a request that could not be fetched, a `FetchFailure`. The
`RawStorePipeline` stores pages (`crawlers.rawstore.RawStore.put`), records a
revalidated page as checked, and, in a run with a frontier (the listing
crawler), settles the URL there. The ClinicalTrials.gov harvester uses it too,
without a frontier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawlers.frontier import Frontier, State
from crawlers.rawstore import RawStore

logger = logging.getLogger(__name__)


@dataclass
class RawPage:
    url: str  # the URL requested (the frontier key)
    final_url: str
    status: int
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    not_modified: bool = False  # the server answered 304: the stored page is current
    kind: str = "page"

    @classmethod
    def from_response(
        cls, response: Response, kind: str = "page", not_modified: bool = False
    ) -> RawPage:
        """The page as fetched, keyed by the URL requested (before redirects)."""
        headers = {
            k.decode("latin-1"): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
        }
        return cls(
            url=response.request.url if response.request is not None else response.url,
            final_url=response.url,
            status=response.status,
            body=response.body,
            headers=headers,
            not_modified=not_modified,
            kind=kind,
        )


@dataclass
class FetchFailure:
    url: str
    reason: str
    skipped: bool = False  # by policy (robots.txt, offsite), not an error
    kind: str = "page"


class RawStorePipeline:
    """Stores `RawPage` items and settles every item's URL in the frontier, if any.

    Settings: TRIALDEX_RAW_DIR, TRIALDEX_SOURCE (default: the spider's name),
    TRIALDEX_RUN_ID (the frontier's run; without one no frontier is kept).
    Stats: ``rawstore/stored`` (new bodies), ``rawstore/unchanged``.
    """

    def __init__(
        self, raw_dir: str, run_id: int, source: str, stats: StatsCollector | None = None
    ) -> None:
        self.store = RawStore(Path(raw_dir))
        self.frontier = Frontier(raw_dir) if run_id else None
        self.run_id = run_id
        self.source = source
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        raw_dir = crawler.settings.get("TRIALDEX_RAW_DIR")
        if not raw_dir:
            raise NotConfigured("RawStorePipeline needs TRIALDEX_RAW_DIR")
        run_id = crawler.settings.getint("TRIALDEX_RUN_ID", 0)
        assert crawler.spidercls is not None
        source = crawler.settings.get("TRIALDEX_SOURCE") or crawler.spidercls.name
        return cls(raw_dir, run_id, source, crawler.stats)

    def close_spider(self) -> None:
        self.store.close()
        if self.frontier is not None:
            self.frontier.close()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RawPage):
            self._store(item)
        elif isinstance(item, FetchFailure) and self.frontier is not None:
            state: State = "skipped" if item.skipped else "failed"
            self.frontier.settle(self.run_id, item.url, state, reason=item.reason, kind=item.kind)
        return item

    def _store(self, page: RawPage) -> None:
        if page.not_modified:
            self.store.touch(page.url)
            latest = self.store.latest(page.url)
            response_id = latest.id if latest else None
            state: State = "unchanged"
        else:
            result = self.store.put(
                source=self.source,
                url=page.url,
                final_url=page.final_url,
                status=page.status,
                headers=page.headers,
                body=page.body,
            )
            response_id = result.response.id
            state = "stored" if result.changed else "unchanged"
        if self.stats is not None:
            self.stats.inc_value(f"rawstore/{state}")
        if self.frontier is not None:
            self.frontier.settle(
                self.run_id, page.url, state, response_id=response_id, kind=page.kind
            )
