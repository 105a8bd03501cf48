"""ClinicalTrials.gov as a source: the API v2 harvester, its parser, its stated total.

* fetched by the ``ctgov`` spider (`crawlers.ctgov_spider`) through
  `crawlers.ctgov_cli.harvest`: every study, or those updated since a date;
* each stored response is one study or a page of studies
  (`parsers.ctgov.parse_api_response`); record ids are ``ctgov:<NCT id>``;
* the registry states its size as ``totalCount`` of ``/api/v2/studies``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.config import DEFAULT_CTGOV_BASE_URL
from crawlers.frontier import CrawlSummary
from crawlers.rawstore import RawResponse
from parsers.errors import ServiceError
from sources.base import ParsedPage, Stated

NAME = "ctgov"
ID_PREFIX = "ctgov:"


@dataclass(frozen=True)
class CtgovSource:
    base_url: str = DEFAULT_CTGOV_BASE_URL
    page_size: int = 1000
    name: str = NAME
    index_source: str = NAME
    fetch_is_chain: bool = True  # pages follow nextPageToken

    def fetch(self, raw_dir: Path, *, since: datetime | None) -> CrawlSummary:
        from crawlers.ctgov_cli import harvest_crawl

        return harvest_crawl(
            self.base_url, raw_dir, since.date() if since else None, self.page_size
        )

    def parse(self, response: RawResponse, body: bytes) -> ParsedPage:
        from parsers.ctgov import parse_api_response

        records, errors = parse_api_response(body, response.url, fetched_at=response.fetched_at)
        return ParsedPage(records=records, errors=errors)

    def stated(self, raw_dir: Path) -> Stated:
        return Stated(total=stated_total(self.base_url), id_prefix=ID_PREFIX)


def stated_total(base_url: str, timeout: float = 30.0) -> int | None:
    """``totalCount`` of the whole registry served at ``base_url`` (e.g. https://clinicaltrials.gov)."""
    import httpx

    url = base_url.rstrip("/") + "/api/v2/studies"
    try:
        response = httpx.get(url, params={"countTotal": "true", "pageSize": 1}, timeout=timeout)
        response.raise_for_status()
        total = response.json().get("totalCount")
    except (httpx.HTTPError, ValueError) as exc:
        raise ServiceError(f"{url}: could not read the registry's totalCount: {exc}") from exc
    return int(total) if isinstance(total, int) else None
