"""Which adapter serves a source name: the one list a new registry is added to.

Source names are what the raw stores, run partitions and DAGs are keyed by:
``ctgov`` for ClinicalTrials.gov, ``listing_<site>`` for each listing site.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from parsers.errors import ConfigurationError
from sources.base import Source
from sources.ctgov import NAME as CTGOV
from sources.ctgov import CtgovSource
from sources.listing import ListingSource
from sources.listing_sites import ListingSite

LISTING_PREFIX = "listing_"


def source_named(
    name: str, *, sites: Mapping[str, ListingSite], ctgov_base_url: str, page_size: int = 1000
) -> Source:
    """The adapter of ``name``; a listing site that is no longer configured keeps its name."""
    if name == CTGOV:
        return CtgovSource(base_url=ctgov_base_url, page_size=page_size)
    if name.startswith(LISTING_PREFIX):
        site_name = name[len(LISTING_PREFIX) :]
        return ListingSource(sites.get(site_name) or ListingSite(site_name))
    raise ConfigurationError(f"no source adapter serves {name!r}")


def sources_on_disk(
    raw_root: Path, *, sites: Mapping[str, ListingSite], ctgov_base_url: str
) -> list[Source]:
    """An adapter for every raw store under ``raw_root`` that one serves, in name order."""
    found: list[Source] = []
    if not raw_root.is_dir():
        return found
    for path in sorted(p for p in raw_root.iterdir() if p.is_dir()):
        try:
            found.append(source_named(path.name, sites=sites, ctgov_base_url=ctgov_base_url))
        except ConfigurationError:
            continue  # not a source's store (logs, a store of a removed adapter)
    return found
