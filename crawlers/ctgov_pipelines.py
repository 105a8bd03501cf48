"""Item pipeline: keep every fetched ClinicalTrials.gov response in the raw store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.exceptions import NotConfigured

from crawlers.rawstore import RawStore


class RawStorePipeline:
    """Writes each `ctgov_spider` page item to `RawStore` (``RAW_DIR`` setting)."""

    def __init__(self, raw_dir: Path, stats: Any, source: str) -> None:
        self.store = RawStore(raw_dir)
        self.stats = stats
        self.source = source

    @classmethod
    def from_crawler(cls, crawler: Any) -> RawStorePipeline:
        raw_dir = crawler.settings.get("RAW_DIR")
        if not raw_dir:
            raise NotConfigured("RAW_DIR is not set")
        return cls(Path(raw_dir), crawler.stats, crawler.settings.get("RAW_SOURCE", "ctgov"))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        result = self.store.put(
            source=self.source,
            url=item["url"],
            body=item["body"],
            status=item["status"],
            final_url=item.get("final_url"),
            headers=item.get("headers"),
            fetched_at=item.get("fetched_at"),
        )
        self.stats.inc_value("rawstore/stored" if result.changed else "rawstore/unchanged")
        # The body is in the store now; keep the item small for logs and feeds.
        return {k: v for k, v in item.items() if k != "body"} | {"response_id": result.response.id}

    def close_spider(self) -> None:
        self.store.close()
