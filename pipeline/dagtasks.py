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
from sources.base import Source

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


# -- one source: crawl, parse, reconcile -----------------------------------------


def source_for(name: str, params: Params) -> Source:
    """The adapter of source ``name`` with this run's settings (params, Variables)."""
    from sources.registry import LISTING_PREFIX, source_named

    sites = {}
    if name.startswith(LISTING_PREFIX):
        site = conf.listing_site(name[len(LISTING_PREFIX) :], params)
        sites[site.name] = site
    return source_named(
        name,
        sites=sites,
        ctgov_base_url=conf.ctgov_base_url(params),
        page_size=int(params.get("page_size") or 1000),
    )


def fetch_since(params: Params, partition: Partition) -> datetime | None:
    """``since`` of a fetch: the param; none (everything) for ``full_harvest`` or the first
    run; else the end of the last interval whose fetch completed (so a failed day is
    fetched again by the next run), or the interval start if that is earlier. Sources
    that cannot fetch by date (listing sites revalidate every page) ignore it."""
    from pipeline.crawl import fetched_through
    from pipeline.quality import has_earlier_success

    if params.get("full_harvest"):
        return None
    if params.get("since"):
        return parse_moment(str(params["since"]))
    complete = fetched_through(partition)
    if complete is not None:
        return min(complete, partition.start)
    return partition.start if has_earlier_success(partition) else None


def crawl(source_name: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import crawl as step

    settings = conf.pipeline_settings(params)
    source = source_for(source_name, params)
    partition = _partition(settings, source.name, start, end)
    since = fetch_since(params, partition)
    log.info(
        "fetching %s (since %s) into %s", source.name, since or "the beginning", partition.raw_dir
    )
    share = conf.share("max_fetch_failure_share", params, 0.25)
    result = step.crawl_source(partition, source, since=since, max_failure_share=share)
    log.info(
        "crawl of %s: %d response(s) in this run's increment, %d new to the raw store, "
        "%d failed fetch(es)%s; Scrapy log: %s",
        source.name,
        result["responses"],
        result["new_responses"],
        result["fetch_failures"],
        " (full fetch)" if result["full"] else "",
        result["crawl_log"] or "none",
    )
    return result


def parse(source_name: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import parse as step

    settings = conf.pipeline_settings(params)
    source = source_for(source_name, params)
    result = step.parse_source(_partition(settings, source.name, start, end), source)
    log.info(
        "parse of %s: %s page(s), %s record(s), %s quarantined (%s)",
        source.name,
        result["pages"],
        result["records"],
        result["quarantined"],
        result["quarantine_path"],
    )
    return result


def reconcile(source_name: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import reconcile as step

    settings = conf.pipeline_settings(params)
    source = source_for(source_name, params)
    report = step.reconcile_source(
        _partition(settings, source.name, start, end),
        settings.index,
        source,
        max_missing=conf.share("reconcile_max_missing", params, 0.10),
        max_extra=conf.share("reconcile_max_extra", params, 0.10),
    )
    log.info("reconcile: %s", step.describe(report))
    return report


# -- shared steps --------------------------------------------------------------------


def quality_gate(source: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import quality

    settings = conf.pipeline_settings(params)
    verdict = quality.quality_gate(
        _partition(settings, source, start, end),
        settings.thresholds,
        accept=bool(params.get("accept_layout_change")),
    )
    stats = verdict["stats"]
    log.info(
        "quality gate of %s passed%s: %s item(s), failure rate %.1f%%, against %s%s",
        source,
        " (change accepted by the operator)" if verdict.get("accepted") else "",
        stats.get("items", 0),
        100 * float(stats.get("failure_rate", 0.0)),
        verdict.get("baseline") or "no earlier run",
        f"; {verdict['note']}" if verdict.get("note") else "",
    )
    return {"source": source, "passed": True, "baseline": verdict.get("baseline")}


def index(source: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    from pipeline import indexing

    settings = conf.pipeline_settings(params)
    partition = _partition(settings, source, start, end)
    log.info("indexing %s into %s", partition.dir / "records.jsonl", settings.index.describe())
    result = indexing.index_partition(
        partition, settings.index, max_failures=int(params.get("max_index_failures") or 0)
    )
    log.info(
        "index of %s: %s indexed, %s failed%s",
        source,
        result.get("indexed"),
        result.get("failed"),
        f" (failures in {result['failures_path']})" if result.get("failed") else "",
    )
    return result


def record_baseline(source: str, params: Params, start: datetime, end: datetime) -> dict[str, Any]:
    """The run passed the gate and was indexed: it becomes the gate's baseline."""
    from pipeline import quality

    settings = conf.pipeline_settings(params)
    result = quality.advance_baseline(_partition(settings, source, start, end))
    log.info("baseline of %s is now the run of %s", source, result["baseline"])
    return result


# -- reparse and report --------------------------------------------------------------


def reparse(params: Params, run_id: str) -> dict[str, Any]:
    from pipeline import reparse as rp

    settings = conf.pipeline_settings(params)
    sites = {**conf.listing_sites_for_dags(), **conf.configured_sites()}
    summary = rp.reparse_records(
        settings.data_dir, run_id, sites, settings.raw_root, conf.ctgov_base_url(params)
    )
    log.info("reparsed: %s", summary["sources"])
    return summary


def rebuild_index(params: Params, reparsed: dict[str, Any]) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    from pipeline import reparse as rp
    from pipeline.rebuild_guard import SwapRefused

    settings = conf.pipeline_settings(params)
    force = bool(params.get("force_swap"))
    try:
        result = rp.rebuild_index(reparsed, settings.index, settings.thresholds, force=force)
    except SwapRefused as exc:
        # A verdict on the data: a retry would only reach it again.
        raise AirflowFailException(str(exc)) from exc
    log.info(
        "rebuilt %s (swap %s): %s indexed, %s failed",
        result["backend"],
        result["swap"],
        result["indexed"],
        result["failed"],
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
