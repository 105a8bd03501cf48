"""Reconcile step: what the source says it has against what is searchable.

A source states totals (ClinicalTrials.gov's ``totalCount``, a listing page's
"<N> <Condition> Trials"); the index holds what the pipeline managed to get
there. The difference is reported (never silently accepted) and the run's
stats become the quality baseline for later runs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from crawlers.rawstore import RawStore
from parsers.records import read_records
from pipeline.partitions import Partition, write_json
from pipeline.quality import record_success
from pipeline.settings import BackendConfig
from pipeline.sites import ListingSite

SHOWN_IDS = 50  # ids listed in the report; the counts are always complete

_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<h[1-3]\b[^>]*>(.*?)</h[1-3]\s*>", re.S | re.I)
# "<N> <Condition> Trials [Near You]" at the start of a heading.
_STATED = re.compile(r"^\s*(\d[\d,]*)\s+(?:\S+\s+){0,8}?Trials\b")


def _searchable(backend: BackendConfig, source_name: str, prefix: str | None) -> set[str]:
    search = backend.open()
    try:
        ids = search.ids(source_name)
    finally:
        search.close()
    return {i for i in ids if prefix is None or i.startswith(prefix)}


def _partition_ids(partition: Partition) -> list[str]:
    path = partition.dir / "records.jsonl"
    return [r.id for r in read_records(path)] if path.exists() else []


def reconcile(
    partition: Partition,
    backend: BackendConfig,
    *,
    source_name: str,
    stated_total: int | None,
    stated_detail: dict[str, Any] | None = None,
    listed_ids: Iterable[str] | None = None,
    id_prefix: str | None = None,
) -> dict[str, Any]:
    """Compare stated totals, the partition's records and the index; write reconcile.json."""
    searchable = _searchable(backend, source_name, id_prefix)
    parsed = _partition_ids(partition)
    not_indexed = sorted(set(parsed) - searchable)
    report: dict[str, Any] = {
        "source": partition.source,
        "partition": str(partition.dir),
        "backend": backend.describe(),
        "stated_total": stated_total,
        "searchable": len(searchable),
        "difference": None if stated_total is None else stated_total - len(searchable),
        "partition_records": len(parsed),
        "partition_not_searchable": len(not_indexed),
        "partition_not_searchable_ids": not_indexed[:SHOWN_IDS],
    }
    if stated_detail:
        report["stated_detail"] = stated_detail
    if listed_ids is not None:
        listed = set(listed_ids)
        missing = sorted(listed - searchable)
        report.update(
            listed=len(listed),
            listed_not_searchable=len(missing),
            listed_not_searchable_ids=missing[:SHOWN_IDS],
        )
    write_json(partition.path("reconcile.json"), report)
    record_success(partition)
    return report


def describe(report: dict[str, Any]) -> str:
    """One line for logs and the demo."""
    stated = report.get("stated_total")
    text = f"{report['source']}: {report['searchable']} searchable"
    if stated is not None:
        text += f", source states {stated} (difference {report['difference']:+d})"
    if report.get("partition_not_searchable"):
        text += (
            f"; {report['partition_not_searchable']} parsed record(s) of this run not searchable"
        )
    if report.get("listed_not_searchable"):
        text += f"; {report['listed_not_searchable']} listed trial(s) not searchable"
    return text


# -- ClinicalTrials.gov --------------------------------------------------------


def ctgov_stated_total(base_url: str, timeout: float = 30.0) -> int | None:
    """``totalCount`` of the whole registry served at ``base_url`` (e.g. https://clinicaltrials.gov)."""
    import httpx

    url = base_url.rstrip("/") + "/api/v2/studies"
    response = httpx.get(url, params={"countTotal": "true", "pageSize": 1}, timeout=timeout)
    response.raise_for_status()
    total = response.json().get("totalCount")
    return int(total) if isinstance(total, int) else None


def reconcile_ctgov(partition: Partition, backend: BackendConfig, base_url: str) -> dict[str, Any]:
    return reconcile(
        partition,
        backend,
        source_name="ctgov",
        stated_total=ctgov_stated_total(base_url),
        id_prefix="ctgov:",
    )


# -- listing sites -------------------------------------------------------------


def stated_listing_total(body: bytes) -> int | None:
    """The "<N> <Condition> Trials" count a condition listing page states."""
    for heading in _HEADING.findall(body.decode("utf-8", "replace")):
        match = _STATED.match(html.unescape(_TAG.sub(" ", heading)))
        if match:
            return int(match.group(1).replace(",", ""))
    return None


def _condition_key(url: str) -> str:
    # ?page=N repeats the same condition's total; count each condition once.
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}"


def listing_snapshot(site: ListingSite, store: RawStore) -> tuple[dict[str, int], set[str]]:
    """Stated totals per condition and the trial ids on the cards, from the latest pages."""
    from parsers.listing import parse_listing_cards

    stated: dict[str, int] = {}
    listed: set[str] = set()
    hosts = site.hosts()
    for response in store.iter_latest():
        url = response.final_url or response.url
        if response.status != 200 or not site.is_listing_page(url):
            continue
        if hosts and urlsplit(url).netloc not in hosts:
            continue  # the site moved: its old address no longer speaks for it
        body = store.body(response)
        total = stated_listing_total(body)
        if total is not None:
            stated.setdefault(_condition_key(url), total)
        try:
            listed.update(card.id for card in parse_listing_cards(body, url))
        except Exception:  # a broken listing page only weakens the comparison
            continue
    return stated, listed


def reconcile_listing(
    partition: Partition, backend: BackendConfig, site: ListingSite
) -> dict[str, Any]:
    store = RawStore(partition.raw_dir)
    try:
        stated, listed = listing_snapshot(site, store)
    finally:
        store.close()
    return reconcile(
        partition,
        backend,
        source_name="listing",
        stated_total=sum(stated.values()) if stated else None,
        stated_detail={"per_listing": stated},
        listed_ids=listed,
        id_prefix=_common_prefix(listed) or _common_prefix(_partition_ids(partition)),
    )


def _common_prefix(ids: Iterable[str]) -> str | None:
    """``listing:<site>:`` shared by a site's record ids, if they share one."""
    prefixes = {i.rsplit(":", 1)[0] + ":" for i in ids if i.count(":") >= 2}
    return prefixes.pop() if len(prefixes) == 1 else None
