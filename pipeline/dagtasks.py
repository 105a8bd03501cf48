"""The bodies of the DAGs' tasks: settings resolved, the pipeline step run, a summary returned.

Each function takes the run's params and data interval as plain values and
returns a small dict (paths and counts) for XCom; the DAG files only call
these. Everything heavy is imported here, inside the task, never at DAG parse.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipeline import airflow_settings as conf
from pipeline.partitions import Partition, parse_moment
from pipeline.settings import PipelineSettings

log = logging.getLogger("trialdex.pipeline")

Params = Mapping[str, Any]


def _partition(settings: PipelineSettings, source: str, start: Any, end: Any) -> Partition:
    return Partition.of(settings.data_dir, source, start, end or start, settings.raw_root)


def interval(context: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """The run's data interval; a manual run without one uses its run-after time."""
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is None:
        dag_run = context.get("dag_run")
        moment = getattr(dag_run, "run_after", None) or context.get("logical_date")
        if moment is None:
            raise ValueError("the run has neither a data interval nor a run-after time")
        start = end = moment
    return parse_moment(start), parse_moment(end or start)


# -- ClinicalTrials.gov ----------------------------------------------------------


def ctgov_since(params: Params, partition: Partition) -> datetime | None:
    """``since`` of the harvest: the param; none (everything) for ``full_harvest`` or when no
    earlier interval ever succeeded (the first run); else the interval start."""
    from pipeline.quality import has_earlier_success

    if params.get("full_harvest"):
        return None
    if params.get("since"):
        return parse_moment(str(params["since"]))
    return partition.start if has_earlier_success(partition) else None


def crawl_ctgov(params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import crawl

    settings = conf.pipeline_settings(params)
    partition = _partition(settings, "ctgov", start, end)
    since = ctgov_since(params, partition)
    base_url = conf.ctgov_base_url(params)
    log.info(
        "harvesting %s since %s into %s", base_url, since or "the beginning", partition.raw_dir
    )
    result = crawl.crawl_ctgov(
        partition, base_url=base_url, since=since, page_size=int(params.get("page_size") or 1000)
    )
    log.info("crawl: %s", result)
    return result


def parse_ctgov(params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import parse

    settings = conf.pipeline_settings(params)
    result = parse.parse_ctgov(_partition(settings, "ctgov", start, end))
    log.info("parse: %s", result)
    return result


def reconcile_ctgov(params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import reconcile

    settings = conf.pipeline_settings(params)
    report = reconcile.reconcile_ctgov(
        _partition(settings, "ctgov", start, end), settings.index, conf.ctgov_base_url(params)
    )
    log.info("reconcile: %s", reconcile.describe(report))
    return report


# -- listing sites -----------------------------------------------------------------


def crawl_listing(site_name: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from parsers.errors import ConfigurationError
    from pipeline import crawl

    settings = conf.pipeline_settings(params)
    site = conf.listing_site(site_name, params)
    if not site.start_urls and not site.sitemap_urls:
        raise ConfigurationError(
            f"listing site {site_name!r} has no start_urls or sitemap_urls: set them in the "
            f"Variable {conf.SITES_VARIABLE} or pass them as params"
        )
    partition = _partition(settings, site.source, start, end)
    log.info("crawling %s from %s", site_name, ", ".join(site.start_urls or site.sitemap_urls))
    result = crawl.crawl_listing(
        partition,
        start_urls=site.start_urls,
        allowed_domains=site.allowed_domains or None,
        sitemap_urls=site.sitemap_urls or None,
        settings_overrides=site.settings or None,
    )
    log.info("crawl: %s", result)
    return result


def parse_listing(site_name: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import parse

    settings = conf.pipeline_settings(params)
    site = conf.listing_site(site_name, params)
    result = parse.parse_listing_site(_partition(settings, site.source, start, end), site)
    log.info("parse: %s", result)
    return result


def reconcile_listing(
    site_name: str, params: Params, start: datetime, end: datetime
) -> dict[str, Any]:
    from pipeline import reconcile

    settings = conf.pipeline_settings(params)
    site = conf.listing_site(site_name, params)
    report = reconcile.reconcile_listing(
        _partition(settings, site.source, start, end), settings.index, site
    )
    log.info("reconcile: %s", reconcile.describe(report))
    return report


# -- shared steps --------------------------------------------------------------------


def quality_gate(source: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import quality

    settings = conf.pipeline_settings(params)
    verdict = quality.quality_gate(_partition(settings, source, start, end), settings.thresholds)
    log.info("quality gate passed: %s", verdict.get("note") or verdict.get("stats"))
    return {"source": source, "passed": True, "baseline": verdict.get("baseline")}


def index(source: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import indexing

    settings = conf.pipeline_settings(params)
    partition = _partition(settings, source, start, end)
    log.info("indexing %s into %s", partition.dir / "records.jsonl", settings.index.describe())
    result = indexing.index_partition(
        partition, settings.index, max_failures=int(params.get("max_index_failures") or 0)
    )
    log.info("index: %s", result)
    return result


# -- reparse and report --------------------------------------------------------------


def reparse(params: Params, run_id: str) -> dict[str, Any]:
    from pipeline import reparse as rp

    settings = conf.pipeline_settings(params)
    sites = {**conf.listing_sites_for_dags(), **_configured_sites()}
    summary = rp.reparse_records(settings.data_dir, run_id, sites, settings.raw_root)
    log.info("reparsed: %s", summary["sources"])
    return summary


def _configured_sites() -> dict[str, Any]:
    from pipeline.sites import parse_sites

    return parse_sites(conf.variable(conf.SITES_VARIABLE))


def rebuild_index(params: Params, reparsed: dict[str, Any]) -> dict[str, Any]:
    from pipeline import reparse as rp

    settings = conf.pipeline_settings(params)
    result = rp.rebuild_index(reparsed, settings.index)
    log.info(
        "rebuilt %s: %s indexed, %s failed", result["backend"], result["indexed"], result["failed"]
    )
    return result


def index_report(params: Params, run_id: str) -> dict[str, Any]:
    from pipeline import report

    settings = conf.pipeline_settings(params)
    result = report.index_report(settings.index, settings.data_dir, run_id)
    log.info(
        "index report: %s trials, by source %s", result["total"], result["facets"].get("source")
    )
    return result
