"""The embedded default: search on one SQLite file, no server needed.

Tables (all derived from `FACETS`, `OWN_FIELDS` and the record's markers):

* ``trials``: one row per record with its JSON and the columns filters need
  (start date as a sortable ``YYYY-MM-DD`` or '' when unknown, age bounds,
  has_results);
* ``trials_fts``: FTS5 over the boosted text fields plus one ``body`` column
  for every other text field; bm25 ranks, ``highlight``/``snippet`` mark hits;
* ``facets``: one row per record per facet value; filters and multi-select
  facet counts are plain SQL over it;
* ``sites`` and the R*Tree ``sites_box``: coordinates of every site; a radius
  search takes the bounding box from the R*Tree, then the exact great-circle
  distance.

Each thread gets its own connection (WAL mode: readers never wait for the
writer). Facet counting has a time limit; a facet over it is reported as timed
out, not fatal.

A rebuild in another process (the reparse DAG) renames a new file over the
path; connections opened before still read the old file. So each thread's
connection remembers the file it opened, and once the path names another file
(looked at no more than once a second) the thread opens the new one: a running
`trialdex serve` serves a rebuilt index by itself.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index import cursor as cursors
from index.backend import IndexFailure, IndexReport, Progress
from index.coverage import COVERAGE_FIELDS, SourceCoverage
from index.errors import SearchRequestError
from index.fields import text_fields, values_at
from index.geo import EARTH_RADIUS_KM, bounding_box, haversine_km, nearest_site
from index.search_models import (
    FACETS,
    Facet,
    FacetValue,
    Hit,
    SearchRequest,
    SearchResponse,
    SortBy,
    date_bound,
    facet_request,
    suggest_prefix,
)
from index.sqlite_postings import FacetPostings, Membership, bitmap, positions
from index.text import BOOSTS, HIGHLIGHT_FIELDS, OWN_FIELDS, Clause, query_clauses
from parsers.errors import ConfigurationError, ServiceError
from parsers.records import GeoPoint, TrialRecord

SCHEMA_VERSION = "4"
BATCH = 500
FACET_TIME_LIMIT_S = 1.0

# FTS columns: the boosted fields, then everything else in "body".
FTS_COLUMNS: tuple[str, ...] = (*OWN_FIELDS, "body")
_FTS_NAMES = [c.replace(".", "_") for c in FTS_COLUMNS]
_WEIGHTS = [BOOSTS.get(name, 1.0) for name in OWN_FIELDS] + [1.0]


def _fts_texts(data: dict[str, Any]) -> list[str]:
    boosted: dict[str, list[str]] = {path: [] for path in OWN_FIELDS}
    body: list[str] = []
    for spec in text_fields():
        values = [str(v) for v in values_at(data, spec.path)]
        boosted.get(spec.path, body).extend(values)
    # A line break between values: a phrase must not run from one value into the next.
    return ["\n".join(values) for values in (*boosted.values(), body)]


def _fts_query(clauses: list[Clause]) -> str:
    def phrase(tokens: tuple[str, ...]) -> str:
        return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'

    parts = []
    for clause in clauses:
        alts = [phrase(alt) for alt in clause.alternatives]
        parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


def _truthy(path: str) -> str:
    """SQL: the record JSON's value at ``path`` is truthy as `index.coverage` means it.
    ``json_extract`` gives lists and objects as (minified) JSON text, booleans as 0/1."""
    return f"ifnull(json_extract(record, '$.{path}') NOT IN ('', 0, '[]', '{{}}'), 0)"


_COVERAGE_SQL = (
    "SELECT source, count(*), "
    + ", ".join(
        f"sum({' OR '.join(_truthy(path) for path in paths)})" for paths in COVERAGE_FIELDS.values()
    )
    + " FROM trials GROUP BY source ORDER BY source"
)


@dataclass
class _Where:
    """SQL conditions on ``t`` (trials) with their parameters."""

    sql: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> None:
        self.sql.append(sql)
        self.params.extend(params)

    def plus(self, other: _Where) -> _Where:
        return _Where(self.sql + other.sql, self.params + other.params)

    def clause(self) -> str:
        return " AND ".join(self.sql) if self.sql else "1"


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _file_identity(path: Path) -> tuple[int, int] | None:
    """Which file ``path`` names now (device, inode): a rename over it changes this."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so the file alone holds the index."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


class SqliteBackend:
    """`SearchBackend` on an SQLite file (created on first use)."""

    name = "sqlite"
    # The most often one stat() looks whether the path names another file.
    FILE_CHECK_SECONDS = 1.0

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._in_memory = str(self.path) == ":memory:"
        self._file: tuple[int, int] | None = None  # the file the path named when last looked at
        self._file_checked = -math.inf
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._postings_cache: FacetPostings | None = None
        self._math = False
        self._ready = False
        self._lock = threading.Lock()

    # Connections

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._file_replaced():
            self._drop_thread_conn(conn)
            conn = None
        if conn is None:
            opened = None
            if not self._in_memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Looked at before connecting: a rename in between costs one more reopen.
                opened = _file_identity(self.path)
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            except sqlite3.Error as exc:
                raise ServiceError(f"SQLite index {self.path}: {exc}") from exc
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.create_function("haversine_km", 4, haversine_km, deterministic=True)
            try:
                conn.execute("SELECT asin(sin(radians(1.0)))")
                self._math = True
            except sqlite3.OperationalError:  # built without math functions
                self._math = False
            # Per-connection scratch table: the rows of a page sorted in SQL.
            conn.executescript(
                """
                CREATE TEMP TABLE c_full(rid INTEGER PRIMARY KEY);
                """
            )
            self._local.conn = conn
            self._local.file = opened or (None if self._in_memory else _file_identity(self.path))
            self._all_conns().append(conn)
        if not self._ready:
            self._ensure_schema(conn)
        return conn

    def _all_conns(self) -> list[sqlite3.Connection]:
        return self._conns

    def _file_replaced(self) -> bool:
        """Whether the path names another file than this thread's connection reads."""
        if self._in_memory:
            return False
        now = time.monotonic()
        if now - self._file_checked >= self.FILE_CHECK_SECONDS:
            self._file_checked = now
            current = _file_identity(self.path)
            if current is not None:  # a missing file is no newer one: keep reading
                self._file = current
        mine = getattr(self._local, "file", None)
        return self._file is not None and mine is not None and mine != self._file

    def _drop_thread_conn(self, conn: sqlite3.Connection) -> None:
        """Close this thread's connection to a replaced file; the next opens the new one."""
        with self._lock:
            with contextlib.suppress(ValueError):
                self._conns.remove(conn)
            # The new file needs its layout checked, and its facet postings are its own.
            self._ready = False
            self._postings_cache = None
        conn.close()
        self._local.conn = None

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if self._ready:
                return
            cols = ", ".join(_FTS_NAMES)
            conn.executescript(
                f"""
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- The record JSON goes last: a column after a large value is
                -- read through its overflow pages, which would make every filter
                -- on these small columns read whole records.
                CREATE TABLE IF NOT EXISTS trials(
                    rid INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    start_sort TEXT NOT NULL DEFAULT '',
                    min_age REAL,
                    max_age REAL,
                    has_results INTEGER,
                    record TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS trials_source ON trials(source);
                CREATE INDEX IF NOT EXISTS trials_start ON trials(start_sort DESC, id);
                CREATE VIRTUAL TABLE IF NOT EXISTS trials_fts USING fts5(
                    {cols}, tokenize = 'porter unicode61 remove_diacritics 2'
                );
                CREATE TABLE IF NOT EXISTS facets(
                    rid INTEGER NOT NULL,
                    facet TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (rid, facet, value)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS facets_by_value ON facets(facet, value, rid);
                CREATE TABLE IF NOT EXISTS sites(
                    sid INTEGER PRIMARY KEY,
                    rid INTEGER NOT NULL,
                    lat REAL NOT NULL,
                    lon REAL NOT NULL
                );
                CREATE INDEX IF NOT EXISTS sites_rid ON sites(rid);
                -- id = sites.sid, so a trial's boxes are found through sites_rid.
                CREATE VIRTUAL TABLE IF NOT EXISTS sites_box USING rtree(
                    id, min_lat, max_lat, min_lon, max_lon, +rid INTEGER, +lat REAL, +lon REAL
                );
                """
            )
            row = conn.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
            layout = json.dumps({"schema": SCHEMA_VERSION, "fts": _FTS_NAMES})
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('layout', ?)", (layout,))
            elif row[0] != layout:
                raise ServiceError(
                    f"SQLite index {self.path} was built by another Trialdex version; "
                    "delete it and index again"
                )
            self._ready = True

    # Lifecycle

    def setup(self) -> None:
        self._conn()

    def close(self) -> None:
        for conn in self._all_conns():
            with contextlib.suppress(sqlite3.ProgrammingError):  # made in a thread now gone
                conn.close()
        self._all_conns().clear()
        self._local = threading.local()

    def rebuild(
        self, records: Callable[[], Iterable[TrialRecord]], *, progress: Progress | None = None
    ) -> IndexReport:
        """Build a new file beside the live one, then rename it over the live file.

        The rename is atomic: a reader opens either the old file or the whole
        new one. This backend's connections (still on the old file) are closed,
        so its next search opens the new file.
        """
        if self._in_memory:
            raise ConfigurationError("an in-memory SQLite index has no file to rebuild")
        building = self.path.with_name(self.path.name + ".rebuild")
        for leftover in (building, *_sidecars(building)):
            leftover.unlink(missing_ok=True)
        fresh = SqliteBackend(building)
        try:
            fresh.setup()
            report = fresh.index_records(records(), progress=progress)
        finally:
            fresh.close()
        _checkpoint(building)
        self.close()
        if self.path.exists():
            # A stale write-ahead log beside the new file would be replayed into it.
            _checkpoint(self.path)
        os.replace(building, self.path)
        # The new file's generation counter may equal the old one's.
        self._postings_cache = None
        self._ready = False
        return report

    def health(self) -> dict[str, object]:
        try:
            return {"backend": self.name, "ok": True, "path": str(self.path), "count": self.count()}
        except (sqlite3.Error, ServiceError) as exc:
            return {"backend": self.name, "ok": False, "path": str(self.path), "error": str(exc)}

    # Writing

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            # Cached whole-index facet counts are keyed by this.
            conn.execute(
                "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) "
                "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def index_records(
        self, records: Iterable[TrialRecord], *, progress: Progress | None = None
    ) -> IndexReport:
        report = IndexReport()
        batch: list[TrialRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                report.merge(self._write_batch(batch))
                batch = []
                if progress is not None:
                    progress(report.indexed + len(report.failures))
        if batch:
            report.merge(self._write_batch(batch))
        if progress is not None:
            progress(report.indexed + len(report.failures))
        return report

    def _write_batch(self, batch: list[TrialRecord]) -> IndexReport:
        report = IndexReport()
        with self._transaction() as conn:
            for record in batch:
                try:
                    conn.execute("SAVEPOINT one")
                    self._write_one(conn, record)
                    conn.execute("RELEASE one")
                    report.indexed += 1
                except (sqlite3.Error, ValueError, TypeError) as exc:
                    conn.execute("ROLLBACK TO one")
                    conn.execute("RELEASE one")
                    report.failures.append(IndexFailure(record.id, f"sqlite: {exc}"))
        return report

    def _write_one(self, conn: sqlite3.Connection, record: TrialRecord) -> None:
        data = record.to_dict()
        start = record.dates.start
        known = conn.execute("SELECT rid FROM trials WHERE id = ?", (record.id,)).fetchone()
        if known:
            self._forget(conn, [known[0]])
        rid = conn.execute(
            """
            INSERT INTO trials(id, source, start_sort, min_age, max_age, has_results, record)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET source = excluded.source, record = excluded.record,
                start_sort = excluded.start_sort, min_age = excluded.min_age,
                max_age = excluded.max_age, has_results = excluded.has_results
            RETURNING rid
            """,
            (
                record.id,
                record.source.name,
                date_bound(start, upper=False) if start else "",
                record.eligibility.min_age_years,
                record.eligibility.max_age_years,
                None if record.has_results is None else int(record.has_results),
                json.dumps(data, separators=(",", ":")),
            ),
        ).fetchone()[0]
        marks = ",".join("?" * (len(FTS_COLUMNS) + 1))
        conn.execute(
            f"INSERT INTO trials_fts(rowid, {', '.join(_FTS_NAMES)}) VALUES ({marks})",
            (rid, *_fts_texts(data)),
        )
        rows = {
            (rid, name, str(value))
            for name, path in FACETS.items()
            for value in values_at(data, path)
            if str(value).strip()
        }
        conn.executemany("INSERT INTO facets VALUES (?, ?, ?)", rows)
        for site in record.sites:
            if site.geo is None:
                continue
            lat, lon = site.geo.lat, site.geo.lon
            sid = conn.execute(
                "INSERT INTO sites(rid, lat, lon) VALUES (?, ?, ?) RETURNING sid", (rid, lat, lon)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO sites_box VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, lat, lat, lon, lon, rid, lat, lon),
            )

    @staticmethod
    def _forget(conn: sqlite3.Connection, rids: list[int]) -> None:
        for rid in rids:
            conn.execute("DELETE FROM trials_fts WHERE rowid = ?", (rid,))
            conn.execute("DELETE FROM facets WHERE rid = ?", (rid,))
            conn.execute(
                "DELETE FROM sites_box WHERE id IN (SELECT sid FROM sites WHERE rid = ?)", (rid,)
            )
            conn.execute("DELETE FROM sites WHERE rid = ?", (rid,))

    def delete(self, ids: Iterable[str]) -> int:
        wanted = list(dict.fromkeys(ids))
        deleted = 0
        with self._transaction() as conn:
            for start in range(0, len(wanted), BATCH):
                chunk = wanted[start : start + BATCH]
                marks = ",".join("?" * len(chunk))
                rids = [
                    r[0]
                    for r in conn.execute(f"SELECT rid FROM trials WHERE id IN ({marks})", chunk)
                ]
                self._forget(conn, rids)
                conn.executemany("DELETE FROM trials WHERE rid = ?", [(r,) for r in rids])
                deleted += len(rids)
        return deleted

    # Reading

    def get(self, id: str) -> TrialRecord | None:
        row = self._conn().execute("SELECT record FROM trials WHERE id = ?", (id,)).fetchone()
        return TrialRecord.model_validate_json(row[0]) if row else None

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM trials").fetchone()[0])

    def ids(self, source: str | None = None) -> set[str]:
        conn = self._conn()
        if source is None:
            return {r[0] for r in conn.execute("SELECT id FROM trials")}
        return {r[0] for r in conn.execute("SELECT id FROM trials WHERE source = ?", (source,))}

    def coverage_by_source(self) -> dict[str, SourceCoverage]:
        """One pass over the stored records in SQL (`_COVERAGE_SQL`), grouped by source."""
        rows = self._conn().execute(_COVERAGE_SQL).fetchall()
        return {
            source: SourceCoverage(records, dict(zip(COVERAGE_FIELDS, have, strict=True)))
            for source, records, *have in rows
        }

    def _base_where(self, request: SearchRequest) -> _Where:
        """Conditions on ``t`` (trials) other than text and facet selections."""
        where = _Where()
        if request.has_results is not None:
            where.add("t.has_results = ?", int(request.has_results))
        if request.start_date_from:
            where.add("t.start_sort >= ?", request.start_from)
        if request.start_date_to:
            where.add("t.start_sort != '' AND t.start_sort <= ?", request.start_to)
        if request.max_age is not None:
            where.add("(t.min_age IS NULL OR t.min_age <= ?)", request.max_age)
        if request.min_age is not None:
            where.add("(t.max_age IS NULL OR t.max_age >= ?)", request.min_age)
        if request.near is not None and request.radius_km is not None:
            within, params = self._within(request.near, request.radius_km)
            where.add(f"t.rid IN (SELECT rid FROM sites_box WHERE {within})", *params)
        return where

    def _distance_sql(self, point: GeoPoint, lat: str, lon: str) -> tuple[str, list[Any]]:
        """Great-circle km from ``point`` to the row's (lat, lon), in SQL."""
        if self._math:
            # SQLite's built-in math functions: no Python call per row.
            return (
                f"2 * {EARTH_RADIUS_KM} * asin(min(1.0, sqrt("
                f"pow(sin(radians({lat} - ?) / 2), 2) + cos(radians(?)) * cos(radians({lat})) "
                f"* pow(sin(radians({lon} - ?) / 2), 2))))",
                [point.lat, point.lat, point.lon],
            )
        return f"haversine_km(?, ?, {lat}, {lon})", [point.lat, point.lon]

    def _within(self, point: GeoPoint, radius: float) -> tuple[str, list[Any]]:
        """Sites within ``radius`` km: R*Tree box, then a cheap flat-earth test that
        settles the points well inside, then the exact distance for the rest."""
        boxes = bounding_box(point, radius)
        box_sql = " OR ".join(
            "(min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?)" for _ in boxes
        )
        params: list[Any] = [v for box in boxes for v in box]
        exact, exact_params = self._distance_sql(point, "lat", "lon")
        dlat = math.degrees(radius / EARTH_RADIUS_KM)
        if len(boxes) == 1 and radius <= 500 and abs(point.lat) + dlat < 85:
            low, high = point.lat - dlat, point.lat + dlat
            # The widest longitude degree in the band makes the flat distance an
            # overestimate; at <= 500 km it is within 1% of the great circle.
            widest = 1.0 if low <= 0 <= high else math.cos(math.radians(min(abs(low), abs(high))))
            inner = (0.98 * radius / (EARTH_RADIUS_KM * math.pi / 180)) ** 2
            flat = "((lat - ?) * (lat - ?) + (lon - ?) * (lon - ?) * ?)"
            cond = f"({flat} <= ? OR {exact} <= ?)"
            params += [point.lat, point.lat, point.lon, point.lon, widest**2, inner]
        else:
            cond = f"{exact} <= ?"
        params += [*exact_params, radius]
        return f"({box_sql}) AND {cond}", params

    def search_json(self, request: SearchRequest) -> bytes:
        return self.search(request).model_dump_json(by_alias=True).encode()

    def search(self, request: SearchRequest) -> SearchResponse:
        """One read transaction: the text and non-facet filters in SQL give the
        base set; facet selections and counts are bitmap operations
        (`index.sqlite_postings`); the page of hits comes back in sort order."""
        started = time.perf_counter()
        clauses = query_clauses(request.q) if request.q else []
        match = _fts_query(clauses) if clauses else None
        after: list[Any] | None = None
        if request.cursor:
            after = cursors.decode(request.cursor, self.name, request.sort, 2)
            # Ranked pages break ties by row id, the others by trial id.
            tiebreak = int if request.sort == SortBy.RELEVANCE and match is not None else str
            if not isinstance(after[1], tiebreak) or not isinstance(after[0], int | float | str):
                raise SearchRequestError("cursor does not fit this query; start again")
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            postings = self._postings(conn)
            base = self._base_where(request)
            ranked: list[tuple[int, float]] | None = None
            if match is not None:
                # Scores for every match, unsorted: sorting (and joining trials
                # for the id) only what survives the facet selections is cheaper.
                weights = ", ".join(str(w) for w in _WEIGHTS)
                if base.sql:
                    sql = (
                        f"SELECT f.rowid, bm25(trials_fts, {weights}) FROM trials_fts f "
                        f"JOIN trials t ON t.rid = f.rowid WHERE trials_fts MATCH ? "
                        f"AND {base.clause()}"
                    )
                else:
                    sql = (
                        f"SELECT rowid, bm25(trials_fts, {weights}) FROM trials_fts "
                        "WHERE trials_fts MATCH ?"
                    )
                ranked = conn.execute(sql, [match, *base.params]).fetchall()
                base_bits = bitmap((r[0] for r in ranked), postings.size)
            elif base.sql:
                rows = conn.execute(
                    f"SELECT t.rid FROM trials t WHERE {base.clause()}", base.params
                )
                base_bits = bitmap((r[0] for r in rows), postings.size)
            else:
                base_bits = postings.all
            chosen = {
                name: postings.selection(name, values)
                for name, values in request.filters.items()
                if values
            }
            full = base_bits
            for bits in chosen.values():
                full &= bits
            hits, next_cursor = self._hits(conn, request, full, postings, ranked, after)
            facets, timed_out = self._facets(request, postings, base_bits, chosen, full)
        except sqlite3.OperationalError as exc:
            raise ServiceError(f"SQLite index {self.path}: {exc}") from exc
        finally:
            conn.execute("COMMIT")
        return SearchResponse(
            total=full.bit_count(),
            hits=hits,
            facets=facets,
            facets_timed_out=timed_out,
            next_cursor=next_cursor,
            backend=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _postings(self, conn: sqlite3.Connection) -> FacetPostings:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        # Keyed by the file too: a rebuilt file's counter may equal the old one's,
        # and a thread still on the old file may fill the cache meanwhile.
        generation = f"{row[0] if row else 0}@{getattr(self._local, 'file', None)}"
        current = self._postings_cache
        if current is None or current.generation != generation:
            current = self._postings_cache = FacetPostings(conn, generation)
        return current

    def _hits(
        self,
        conn: sqlite3.Connection,
        request: SearchRequest,
        full: int,
        postings: FacetPostings,
        ranked: list[tuple[int, float]] | None,
        after: list[Any] | None,
    ) -> tuple[list[Hit], str | None]:
        if request.size == 0 or not full:
            return [], None
        want = request.size + 1
        page: list[tuple[int, Any, Any]] = []  # (rid, sort key, tiebreak)
        if request.sort == SortBy.RELEVANCE and ranked is not None:
            inside = Membership(full)
            start = (after[0], after[1]) if after is not None else None
            best = heapq.nsmallest(
                want,
                (
                    (score, rid)
                    for rid, score in ranked
                    if rid in inside and (start is None or (score, rid) > start)
                ),
            )
            page = [(rid, score, rid) for score, rid in best]
        else:
            params: list[Any] = []
            if request.sort == SortBy.RELEVANCE:
                key_sql, order = "0.0", "ASC"
            elif request.sort == SortBy.START_DATE:
                key_sql, order = "t.start_sort", "DESC"
            else:
                assert request.near is not None
                # Trials with no site sort last.
                distance, params = self._distance_sql(request.near, "s.lat", "s.lon")
                key_sql = (
                    f"coalesce((SELECT min({distance}) FROM sites s WHERE s.rid = t.rid), 1e12)"
                )
                order = "ASC"
            source = "trials t"
            if full != postings.all:
                conn.execute("DELETE FROM temp.c_full")
                conn.executemany(
                    "INSERT INTO temp.c_full(rid) VALUES (?)", ((r,) for r in positions(full))
                )
                source = "temp.c_full c JOIN trials t ON t.rid = c.rid"
            where = ""
            if after is not None:
                op = "<" if order == "DESC" else ">"
                where = f"WHERE (sort_key {op} ? OR (sort_key = ? AND t.id > ?))"
                params.extend([after[0], after[0], after[1]])
            page = conn.execute(
                f"SELECT t.rid, {key_sql} AS sort_key, t.id FROM {source} {where} "
                f"ORDER BY sort_key {order}, t.id ASC LIMIT ?",
                [*params, want],
            ).fetchall()
        more = len(page) > request.size
        page = page[: request.size]
        rids = [row[0] for row in page]
        marks = ",".join("?" * len(rids))
        raw = dict(
            conn.execute(f"SELECT rid, record FROM trials WHERE rid IN ({marks})", rids).fetchall()
        )
        marked = self._highlights(conn, request, rids) if ranked is not None and rids else {}
        hits = []
        for rid, key, _id in page:
            record = TrialRecord.model_validate_json(raw[rid])
            hit_score: float | None = None
            if request.sort == SortBy.RELEVANCE and ranked is not None:
                hit_score = round(-float(key), 6)
            highlights = {
                name: [t for t in text.split("\n") if "<mark>" in t]
                for name, text in zip(HIGHLIGHT_FIELDS, marked.get(rid, []), strict=False)
                if text and "<mark>" in text
            }
            hit = Hit(record=record, score=hit_score, highlights=highlights)
            if request.near is not None:
                found = nearest_site(record.sites, request.near)
                if found is not None:
                    hit.nearest_site, hit.distance_km = found[0], round(found[1], 3)
            hits.append(hit)
        next_cursor = None
        if more and page:
            next_cursor = cursors.encode(self.name, request.sort, [page[-1][1], page[-1][2]])
        return hits, next_cursor

    @staticmethod
    def _highlights(
        conn: sqlite3.Connection, request: SearchRequest, rids: list[int]
    ) -> dict[int, list[str]]:
        match = _fts_query(query_clauses(request.q or ""))
        columns = ", ".join(
            f"highlight(trials_fts, {_FTS_NAMES.index(f.replace('.', '_'))}, '<mark>', '</mark>')"
            for f in HIGHLIGHT_FIELDS
        )
        marks = ",".join("?" * len(rids))
        rows = conn.execute(
            f"SELECT rowid, {columns} FROM trials_fts "
            f"WHERE trials_fts MATCH ? AND rowid IN ({marks})",
            [match, *rids],
        )
        return {row[0]: list(row[1:]) for row in rows}

    @staticmethod
    def _facets(
        request: SearchRequest,
        postings: FacetPostings,
        base: int,
        chosen: dict[str, int],
        full: int,
    ) -> tuple[list[Facet], list[str]]:
        deadline = time.monotonic() + FACET_TIME_LIMIT_S
        facets: list[Facet] = []
        timed_out: list[str] = []
        for name in request.facet_names():
            if time.monotonic() > deadline:
                timed_out.append(name)
                facets.append(Facet(name=name, timed_out=True))
                continue
            # Multi-select: a selected facet is counted under the other selections only.
            candidates = full
            if name in chosen:
                candidates = base
                for other, bits in chosen.items():
                    if other != name:
                        candidates &= bits
            values = sorted(
                postings.counts(name, candidates), key=lambda vc: (-vc[1], vc[0].encode())
            )
            selected = set(request.selected(name))
            facets.append(
                Facet(
                    name=name,
                    truncated=len(values) > request.facet_size,
                    values=[
                        FacetValue(value=v, count=c, selected=v in selected)
                        for v, c in values[: request.facet_size]
                    ],
                )
            )
        return facets, timed_out

    def facet_values(
        self, name: str, request: SearchRequest | None = None, size: int = 100
    ) -> Facet:
        return self.search(facet_request(name, request, size)).facets[0]

    def suggest(self, field: str, prefix: str, size: int = 10) -> list[str]:
        prefix = suggest_prefix(field, prefix)
        if not prefix:
            return []
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn().execute(
            "SELECT value, count(*) AS n FROM facets WHERE facet = ? "
            "AND (value LIKE ? ESCAPE '\\' OR value LIKE ? ESCAPE '\\') "
            "GROUP BY value ORDER BY n DESC, value ASC LIMIT ?",
            (field, f"{escaped}%", f"% {escaped}%", max(1, min(size, 100))),
        )
        return [r[0] for r in rows]
