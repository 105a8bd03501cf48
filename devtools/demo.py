"""`trialdex demo`: the whole pipeline on one machine, through Airflow, then the search UI.

1. an Airflow home under ``<data_dir>/airflow`` with its SQLite metadata database
   and the pool ``trialdex_sqlite_writer`` the index-writing tasks run in;
2. the local sample listing site and the ClinicalTrials.gov emulator (over
   the corpus; without a corpus only the listing site runs);
3. the ingest DAGs run with ``dag.test()`` (crawl -> parse -> quality gate ->
   index -> reconcile), then the index report DAG that the index Asset feeds;
4. a summary of what was crawled, parsed, quarantined and indexed per source;
5. the search page and API served with uvicorn (unless ``serve=False``).

The index is SQLite unless ``ELASTICSEARCH_URL`` is set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import config
from devtools.airflow_runner import AirflowSession, DagRunResult, airflow_env, migrate
from pipeline.partitions import Partition, read_json
from pipeline.settings import BackendConfig

Say = Callable[[str], None]

# The sample site is ours and on loopback: no politeness delays needed.
LOOPBACK_CRAWL = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_BACKOFF_BASE": 0.1,
}
SAMPLE_TRIALS = 40
# Fixed ports keep the sources' URLs, and so the raw stores, the same from one
# demo to the next: a second demo finds nothing new. Busy ports fall back to free ones.
SITE_PORT, EMULATOR_PORT = 8801, 8802


def _port(preferred: int) -> int:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return 0
    return preferred


@dataclass
class SourceRun:
    """One ingest DAG run of the demo and the files it left."""

    source: str
    dag_id: str
    conf: dict[str, Any]
    result: DagRunResult | None = None
    partition: Partition | None = None
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        assert self.partition is not None
        d = self.partition.dir
        crawl = read_json(d / "crawl.json", {}) or {}
        stats = read_json(d / "stats.json", {}) or {}
        indexed = read_json(d / "index.json", {}) or {}
        reconciled = read_json(d / "reconcile.json", {}) or {}
        return {
            "source": self.source,
            "state": self.result.state if self.result else "not run",
            "pages": crawl.get("responses", 0),
            "new pages": crawl.get("new_responses", 0),
            "parsed": stats.get("records", 0),
            "quarantined": stats.get("failures", 0),
            "indexed": indexed.get("indexed", 0),
            "searchable": reconciled.get("searchable", "-"),
            "stated": reconciled.get("stated_total", "-"),
        }


def summary_table(rows: list[dict[str, Any]]) -> list[str]:
    columns = ["source", "state", "pages", "new pages", "parsed", "quarantined", "indexed"]
    columns += ["searchable", "stated"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return lines


@contextmanager
def _sample_site(say: Say) -> Iterator[Any]:
    from devtools.sample_site import SampleSite

    site = SampleSite(n_trials=SAMPLE_TRIALS, port=_port(SITE_PORT))
    site.start()
    say(f"      sample listing site   {site.base_url}  ({SAMPLE_TRIALS} trials, 3 page layouts)")
    try:
        yield site
    finally:
        site.stop()


@contextmanager
def _emulator(corpus: Path, say: Say) -> Iterator[str | None]:
    if not (corpus / "ctgov_v2").is_dir():
        say(f"      ClinicalTrials.gov    skipped: no corpus at {corpus} (set TRIALDEX_CORPUS)")
        yield None
        return
    from devtools.ctgov_emulator import running_emulator

    with running_emulator(corpus, port=_port(EMULATOR_PORT)) as api:
        say(f"      ClinicalTrials.gov    {api.url}  (emulator, {len(api.studies)} studies)")
        yield api.url


def _progress(say: Say) -> Callable[[str, str, str], None]:
    started: dict[str, float] = {}

    def on_task(dag_id: str, event: str, task_id: str) -> None:
        if event == "starting":
            started[task_id] = time.monotonic()
        else:
            took = time.monotonic() - started.get(task_id, time.monotonic())
            say(f"        {task_id:<13} done in {took:5.1f}s")

    return on_task


def run_demo(
    *,
    data_dir: Path,
    corpus: Path,
    serve: bool = True,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Say = print,
) -> int:
    """Run the demo; returns the exit status (non-zero when an ingest run failed)."""
    began = time.monotonic()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = config.load({"data_dir": data_dir})
    es_url = settings.elasticsearch_url
    sqlite_path = settings.sqlite_path
    backend = BackendConfig.of(settings)
    home = data_dir / "airflow"
    log_path = home / "demo.log"
    say(f"Trialdex demo: data in {data_dir}, index: {backend.describe()}")

    env = airflow_env(home)
    env["TRIALDEX_HOME"] = str(data_dir)
    env["TRIALDEX_SQLITE"] = str(sqlite_path)
    if es_url:
        env["AIRFLOW_CONN_TRIALDEX_ES"] = es_url
    else:
        env.pop("AIRFLOW_CONN_TRIALDEX_ES", None)

    home.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log, ExitStack() as stack:
        say(f"[1/5] Airflow home {home}: migrating its metadata database, creating the pool ...")
        step = time.monotonic()
        migrate(env, log)
        say(f"      done in {time.monotonic() - step:.1f}s (log: {log_path})")

        say("[2/5] Starting the sources")
        site = stack.enter_context(_sample_site(say))
        ctgov_url = stack.enter_context(_emulator(corpus, say))

        runs: list[SourceRun] = []
        if ctgov_url:
            conf = {"base_url": ctgov_url, "full_harvest": True}
            runs.append(SourceRun("ctgov", "trialdex_ingest_ctgov", conf))
        runs.append(
            SourceRun(
                "listing_sample",
                "trialdex_ingest_listing_sample",
                {
                    "start_urls": [site.listing_url(c) for c in site.conditions],
                    "settings": LOOPBACK_CRAWL,
                },
            )
        )

        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        say("[3/5] Running the ingest DAGs through Airflow (dag.test)")
        session = stack.enter_context(AirflowSession(env, log, on_task=_progress(say)))
        for source_run in runs:
            say(f"      {source_run.dag_id}")
            result = session.run(source_run.dag_id, today, source_run.conf)
            source_run.result = result
            source_run.partition = _latest_partition(data_dir, source_run.source)
            if not result.ok:
                failed = [t for t, s in result.tasks.items() if s == "failed"]
                say(f"        FAILED: {', '.join(failed) or result.error} (see {log_path})")
        say("[4/5] Index report (the DAG scheduled on the index Asset)")
        report = session.run("trialdex_index_report", today, {})
        latest = read_json(data_dir / "reports" / "latest.json", {}) or {}
        if report.ok:
            sources = latest.get("facets", {}).get("source", {})
            say(f"      {latest.get('total', 0)} searchable trials: {sources}")
        else:
            say(f"      the report failed (see {log_path})")

    say(f"[5/5] Summary ({time.monotonic() - began:.0f}s)")
    rows = [r.row() for r in runs if r.partition is not None]
    for line in summary_table(rows):
        say("      " + line)
    failed_runs = [r for r in runs if not (r.result and r.result.ok)]
    indexed = sum(int(row["indexed"]) for row in rows)
    if failed_runs:
        say(f"      failed: {', '.join(r.dag_id for r in failed_runs)}; details in {log_path}")
    if not serve:
        # With ELASTICSEARCH_URL set both commands read that cluster already.
        where = "" if es_url else f" --path {sqlite_path}"
        say(f'Search it: trialdex search "myeloma"{where}   or: trialdex serve{where}')
        return 1 if failed_runs else 0
    if indexed == 0:
        say("Nothing was indexed: not starting the search server.")
        return 1
    _serve(backend, host, port, say)
    return 1 if failed_runs else 0


def _latest_partition(data_dir: Path, source: str) -> Partition | None:
    runs = sorted(p for p in (data_dir / "runs" / source).glob("2*") if p.is_dir())
    if not runs:
        return None
    start, end = runs[-1].name.split("_")
    return Partition.of(data_dir, source, _from_stamp(start), _from_stamp(end))


def _from_stamp(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _serve(backend: BackendConfig, host: str, port: int, say: Say) -> None:
    import uvicorn

    from api.app import create_app

    app = create_app(kind=backend.kind, url=backend.url, path=backend.path, alias=backend.alias)
    address = f"http://{host}:{port}"
    say(f"Search page: {address}/   API: {address}/v1/trials   docs: {address}/docs")
    say("(Ctrl-C stops the server)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
