"""Operator-facing documentation of each DAG task, shown in the Airflow UI (``doc_md``).

Each text says what the task does, what its failure means and how to recover.
Plain strings only: DAG files import this module when they are parsed.
"""

from __future__ import annotations

_RUN_DIR = "`<data_dir>/runs/<source>/<interval>/`"

CRAWL = f"""
**Crawl** the source into its raw store (`<raw_dir>/<source>/`): every response
is kept, content-addressed, and `crawl.json` in {_RUN_DIR} lists what this run
added.

*Failing* means the source could not be reached, or its requests failed after
their retries beyond the share `max_fetch_failure_share` (a ClinicalTrials.gov
harvest fails on any failed page): the task log names the source, a failing
URL and the reason, and the Scrapy log is `<raw_dir>/<source>/logs/<spider>.log`.
The next successful run fetches everything since the last complete fetch.
*Recover*: fix the cause (site down, blocked, bad start URL in the params or the
Variable `trialdex_listing_sites`), then clear the task: the crawl resumes and
pages already fetched are not fetched again.
"""

PARSE = f"""
**Parse** the pages (or studies) this run crawled into `records.jsonl`; a page
that fails to parse goes to `quarantine.jsonl` with the reason, and counts go to
`stats.json` ({_RUN_DIR}).

*Failing* means the run's files could not be read or written, not that pages
failed to parse (that is the quality gate's verdict). *Recover*: fix the
storage problem in the log, then clear the task.
"""

QUALITY_GATE = f"""
**Quality gate**: compares this run's parse-failure rate and field coverage with
the last successful run and writes the verdict to `gate.json` ({_RUN_DIR}).
It never retries: a verdict on data does not change by asking again.

*Failing* means the source probably changed its layout: nothing of this run is
indexed. *Recover*: read `gate.json` (which metric, by how much) and
`quarantine.jsonl` (which pages, why); then either fix the parser, deploy it and
trigger `trialdex_reparse` (or clear this run from `parse`: nothing is fetched
again), or, when the change is expected, accept it by triggering the run again
with the param `accept_layout_change`. Thresholds: Variable
`trialdex_quality_thresholds` or the param `thresholds`.
"""

INDEX = f"""
**Index** the run's records into the search index (Elasticsearch through the
connection `trialdex_es`, else the SQLite file) and update the Asset
`trialdex://index/trials`. Runs in the pool `trialdex_sqlite_writer` (one slot).
Writes `index.json` and `index_failures.jsonl` ({_RUN_DIR}).

*Failing* means the index could not be reached or refused more records than the
param `max_index_failures` allows (see `index_failures.jsonl`). *Recover*: fix
the index (or the records), then clear the task: upserts are idempotent.
A task that never starts is waiting for the pool: create it with
`airflow pools set trialdex_sqlite_writer 1 "Trialdex SQLite writer"`.
"""

RECORD_BASELINE = f"""
**Record the baseline**: this run passed the quality gate and was indexed, so
its stats become what later runs of the source are compared with (kept in
`<data_dir>/runs/<source>/state.json`). Nothing else moves the baseline.

*Failing* means the run's `gate.json` or `index.json` ({_RUN_DIR}) is missing
or says it did not pass. *Recover*: clear the run from the failed task.
"""

RECONCILE = f"""
**Reconcile** what the source states (its total, its listing counts, the trials
its listings link) with what is searchable, into `reconcile.json` ({_RUN_DIR})
with the missing and extra ids.

*Failing* means the source's statement or the index could not be read, or more
trials are missing (or extra) than `reconcile_max_missing`
(`reconcile_max_extra`) allow: the log names the ids. The run's records are
already searchable. *Recover*: look at the ids (a page that failed to parse,
a trial the source removed), fix the cause, then clear the task; raise the
thresholds by param or Variable when the difference is expected.
"""

REPARSE = """
**Reparse** every source's raw store with the installed parsers into
`<data_dir>/reparse/<run>/`. Nothing is fetched.

*Failing* means a raw store could not be read or the records not written (see
the log). The live index is untouched. *Recover*: fix the cause and clear the task.
"""

REBUILD_INDEX = """
**Rebuild the index** from the reparsed records into a new index, then swap it
in atomically (alias swap on Elasticsearch, file rename on SQLite; a running
`trialdex serve` picks up the new SQLite file by itself). Runs in the pool
`trialdex_sqlite_writer` (one slot).

*Failing* means the new index could not be built; the live index is untouched
and still serves. *Recover*: fix the cause and clear the task. A task that never
starts is waiting for the pool (`airflow pools set trialdex_sqlite_writer 1 "..."`).
"""

REPORT = """
**Report** the number of searchable trials per source and a few facet counts to
`<data_dir>/reports/latest.json`.

*Failing* means the index could not be read; nothing else depends on the
report. *Recover*: clear the task once the index answers.
"""

# Appended to every ingest DAG's own documentation.
INGEST_OPERATIONS = """
#### When a run fails

Every failed task is reported through the failure notifier (setting
`failure_notifier`; by default an ERROR line in the task log) and each task's
documentation says what its failure means.

A **quality gate** failure means the source probably changed its layout and
nothing of the run was indexed. Read `gate.json` and `quarantine.jsonl` under
`<data_dir>/runs/<source>/<interval>/`. Either fix the parser, deploy it and
trigger `trialdex_reparse` (or clear this run from `parse`; the raw pages are
kept, nothing is fetched again), or, when the change is expected, accept it by
triggering the run again with the param `accept_layout_change`.

A task that never leaves *scheduled* may be waiting for the pool
`trialdex_sqlite_writer` (`airflow pools set trialdex_sqlite_writer 1 "..."`).
"""
