"""The listing sites the pipeline crawls, each becoming its own ingest DAG.

The list is JSON: either an object keyed by site name or a list of objects
with a ``name``. Each site has ``start_urls`` (and/or ``sitemap_urls``), an
Airflow ``schedule``, optional ``allowed_domains``, URL patterns telling trial
pages from listing pages (regexes searched in the URL's path; see
`parsers.listing.UrlRules`), and Scrapy ``settings`` overrides. Example::

    {"sample": {"start_urls": ["http://127.0.0.1:8800/clinical-trials/for-myeloma"],
                "schedule": "@daily"}}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from parsers.errors import ConfigurationError
from parsers.listing.urls import DEFAULT_RULES, UrlRules
from sources.base import check_name

# What the listing parser understands: trial pages and condition listing pages.
TRIAL_URL_PATTERN = DEFAULT_RULES.trial_url_pattern
LISTING_URL_PATTERN = DEFAULT_RULES.listing_url_pattern

# The default when no configuration is given: the local sample site, whose
# address is supplied at run time (a param or the site's Variable).
DEFAULT_SITES: dict[str, Any] = {"sample": {"schedule": "@daily", "start_urls": []}}


@dataclass(frozen=True)
class ListingSite:
    name: str
    start_urls: tuple[str, ...] = ()
    sitemap_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    schedule: str | None = "@daily"
    trial_url_pattern: str = TRIAL_URL_PATTERN
    listing_url_pattern: str = LISTING_URL_PATTERN
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The pipeline source key (directories, state) of this site."""
        return f"listing_{self.name}"

    @property
    def dag_id(self) -> str:
        return f"trialdex_ingest_listing_{self.name}"

    def hosts(self) -> set[str]:
        """``host[:port]`` of the configured start and sitemap URLs."""
        return {urlsplit(u).netloc for u in (*self.start_urls, *self.sitemap_urls)} - {""}

    @cached_property
    def rules(self) -> UrlRules:
        """The site's URL layout, from its two patterns (made once: asked for every page)."""
        return UrlRules(self.trial_url_pattern, self.listing_url_pattern)

    def is_trial_page(self, url: str) -> bool:
        return self.rules.is_trial(url)

    def is_listing_page(self, url: str) -> bool:
        return self.rules.is_listing(url)

    def with_overrides(self, overrides: Mapping[str, Any]) -> ListingSite:
        """This site with some settings replaced (params at run time); None leaves a value."""
        data = self.to_dict()
        data.update({k: v for k, v in overrides.items() if v is not None and v != []})
        return site_from_mapping(self.name, data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_urls": list(self.start_urls),
            "sitemap_urls": list(self.sitemap_urls),
            "allowed_domains": list(self.allowed_domains),
            "schedule": self.schedule,
            "trial_url_pattern": self.trial_url_pattern,
            "listing_url_pattern": self.listing_url_pattern,
            "settings": dict(self.settings),
        }


_KNOWN = set(ListingSite.__dataclass_fields__) - {"name"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _strings(name: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"listing site {name!r}: {key} must be a list of strings")
    return tuple(value)


def site_from_mapping(name: str, data: Mapping[str, Any]) -> ListingSite:
    if not _NAME.match(name):
        raise ConfigurationError(
            f"listing site name {name!r}: use lower-case letters, digits and '_' "
            "(it becomes part of a DAG id)"
        )
    unknown = sorted(set(data) - _KNOWN - {"name"})
    if unknown:
        raise ConfigurationError(
            f"listing site {name!r}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_KNOWN))}"
        )
    for key in ("trial_url_pattern", "listing_url_pattern"):
        if key in data:
            try:
                re.compile(str(data[key]))
            except re.error as exc:
                raise ConfigurationError(
                    f"listing site {name!r}: {key} is not a regex: {exc}"
                ) from exc
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise ConfigurationError(f"listing site {name!r}: settings must be an object")
    schedule = data.get("schedule", "@daily")
    check_name(f"listing_{name}")
    return ListingSite(
        name=name,
        start_urls=_strings(name, "start_urls", data.get("start_urls") or []),
        sitemap_urls=_strings(name, "sitemap_urls", data.get("sitemap_urls") or []),
        allowed_domains=_strings(name, "allowed_domains", data.get("allowed_domains") or []),
        schedule=None if schedule in (None, "", "none", "None") else str(schedule),
        trial_url_pattern=str(data.get("trial_url_pattern", TRIAL_URL_PATTERN)),
        listing_url_pattern=str(data.get("listing_url_pattern", LISTING_URL_PATTERN)),
        settings=dict(settings),
    )


def parse_sites(config: str | Mapping[str, Any] | list[Any] | None) -> dict[str, ListingSite]:
    """Sites from JSON text or already-decoded data; None or empty means the default."""
    if config is None or (isinstance(config, str) and not config.strip()):
        config = DEFAULT_SITES
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"listing sites: not JSON ({exc.msg})") from exc
    items: list[tuple[str, Mapping[str, Any]]]
    if isinstance(config, Mapping):
        items = [(str(k), v) for k, v in config.items()]
    elif isinstance(config, list):
        items = []
        for entry in config:
            if not isinstance(entry, Mapping) or "name" not in entry:
                raise ConfigurationError("listing sites: every list entry needs a 'name'")
            items.append((str(entry["name"]), entry))
    else:
        raise ConfigurationError("listing sites: expected a JSON object or list")
    sites: dict[str, ListingSite] = {}
    for name, data in items:
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"listing site {name!r}: expected an object")
        sites[name] = site_from_mapping(name, data)
    return sites
