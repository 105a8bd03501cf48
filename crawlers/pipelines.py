"""Items spiders yield, and the pipeline that keeps every raw page in the raw store.

Spiders only navigate: for each response they yield a `RawPage` (the page as
fetched) and, for a request that could not be fetched, a `FetchFailure`. The
`RawStorePipeline` stores pages (`crawlers.rawstore.RawStore.put`), records a
revalidated page as checked, and settles the URL in the run's frontier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

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


@dataclass
class FetchFailure:
    url: str
    reason: str
    skipped: bool = False  # by policy (robots.txt, offsite), not an error
    kind: str = "page"


class RawStorePipeline:
    """Stores `RawPage` items and settles every item's URL in the frontier.

    Settings: TRIALDEX_RAW_DIR, TRIALDEX_RUN_ID, TRIALDEX_SOURCE (default: the spider's name).
    """

    def __init__(self, raw_dir: str, run_id: int, source: str) -> None:
        self.store = RawStore(Path(raw_dir))
        self.frontier = Frontier(raw_dir)
        self.run_id = run_id
        self.source = source

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        raw_dir = crawler.settings.get("TRIALDEX_RAW_DIR")
        run_id = crawler.settings.getint("TRIALDEX_RUN_ID", 0)
        if not raw_dir or not run_id:
            raise NotConfigured("RawStorePipeline needs TRIALDEX_RAW_DIR and TRIALDEX_RUN_ID")
        assert crawler.spidercls is not None
        source = crawler.settings.get("TRIALDEX_SOURCE") or crawler.spidercls.name
        return cls(raw_dir, run_id, source)

    def close_spider(self) -> None:
        self.store.close()
        self.frontier.close()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RawPage):
            self._store(item)
        elif isinstance(item, FetchFailure):
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
        self.frontier.settle(self.run_id, page.url, state, response_id=response_id, kind=page.kind)
