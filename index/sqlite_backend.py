"""The embedded default: search on one SQLite file, no server needed.

Tables (all derived from `FACETS`, `BOOSTS` and the record's markers):

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
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index import cursor as cursors
from index.backend import IndexFailure, IndexReport, Progress
from index.errors import SearchRequestError
from index.fields import text_fields, values_at
from index.geo import bounding_box, haversine_km, nearest_site
from index.search_models import (
    FACETS,
    SUGGEST_FACETS,
    Facet,
    FacetValue,
    Hit,
    SearchRequest,
    SearchResponse,
    SortBy,
    date_bound,
)
from index.text import BOOSTS, HIGHLIGHT_FIELDS, Clause, query_clauses
from parsers.errors import ServiceError
from parsers.records import TrialRecord

SCHEMA_VERSION = "2"
BATCH = 500
FACET_TIME_LIMIT_S = 1.0

# FTS columns: the boosted fields, then everything else in "body".
FTS_COLUMNS: tuple[str, ...] = (*BOOSTS, "body")
_FTS_NAMES = [c.replace(".", "_") for c in FTS_COLUMNS]
_WEIGHTS = [*BOOSTS.values(), 1.0]


def _fts_texts(data: dict[str, Any]) -> list[str]:
    boosted: dict[str, list[str]] = {path: [] for path in BOOSTS}
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


def _facet_where(filters: dict[str, list[str]], skip: str | None = None) -> _Where:
    where = _Where()
    for name, values in filters.items():
        if name == skip or not values:
            continue
        marks = ",".join("?" * len(values))
        where.add(
            f"t.rid IN (SELECT rid FROM facets WHERE facet = ? AND value IN ({marks}))",
            name,
            *values,
        )
    return where


class SqliteBackend:
    """`SearchBackend` on an SQLite file (created on first use)."""

    name = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._ready = False
        self._lock = threading.Lock()

    # Connections

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            except sqlite3.Error as exc:
                raise ServiceError(f"SQLite index {self.path}: {exc}") from exc
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.create_function("haversine_km", 4, haversine_km, deterministic=True)
            self._local.conn = conn
            self._all_conns().append(conn)
        if not self._ready:
            self._ensure_schema(conn)
        return conn

    def _all_conns(self) -> list[sqlite3.Connection]:
        return self._conns

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if self._ready:
                return
            cols = ", ".join(_FTS_NAMES)
            conn.executescript(
                f"""
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS trials(
                    rid INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    record TEXT NOT NULL,
                    start_sort TEXT NOT NULL DEFAULT '',
                    min_age REAL,
                    max_age REAL,
                    has_results INTEGER
                );
                CREATE INDEX IF NOT EXISTS trials_source ON trials(source);
                CREATE INDEX IF NOT EXISTS trials_start ON trials(start_sort, id);
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
            INSERT INTO trials(id, source, record, start_sort, min_age, max_age, has_results)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET source = excluded.source, record = excluded.record,
                start_sort = excluded.start_sort, min_age = excluded.min_age,
                max_age = excluded.max_age, has_results = excluded.has_results
            RETURNING rid
            """,
            (
                record.id,
                record.source.name,
                json.dumps(data, separators=(",", ":")),
                date_bound(start, upper=False) if start else "",
                record.eligibility.min_age_years,
                record.eligibility.max_age_years,
                None if record.has_results is None else int(record.has_results),
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

    def _base_where(self, request: SearchRequest, match: str | None) -> _Where:
        """Everything but the facet selections (those are multi-select)."""
        where = _Where()
        if match is not None:
            where.add("t.rid IN (SELECT rowid FROM trials_fts WHERE trials_fts MATCH ?)", match)
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
            lat, lon = request.near.lat, request.near.lon
            boxes = bounding_box(request.near, request.radius_km)
            box_sql = " OR ".join(
                "(min_lat >= ? AND max_lat <= ? AND min_lon >= ? AND max_lon <= ?)" for _ in boxes
            )
            where.add(
                f"t.rid IN (SELECT rid FROM sites_box WHERE ({box_sql}) "
                "AND haversine_km(?, ?, lat, lon) <= ?)",
                *[v for box in boxes for v in box],
                lat,
                lon,
                request.radius_km,
            )
        return where

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        conn = self._conn()
        clauses = query_clauses(request.q) if request.q else []
        match = _fts_query(clauses) if clauses else None
        base = self._base_where(request, match)
        selected = _facet_where(request.filters)
        where = base.plus(selected)
        try:
            total = conn.execute(
                f"SELECT count(*) FROM trials t WHERE {where.clause()}", where.params
            ).fetchone()[0]
            hits, next_cursor = self._hits(conn, request, where, match)
        except sqlite3.OperationalError as exc:
            raise ServiceError(f"SQLite index {self.path}: {exc}") from exc
        facets, timed_out = self._facets(conn, request, base, request.facet_names())
        return SearchResponse(
            total=total,
            hits=hits,
            facets=facets,
            facets_timed_out=timed_out,
            next_cursor=next_cursor,
            backend=self.name,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _hits(
        self, conn: sqlite3.Connection, request: SearchRequest, where: _Where, match: str | None
    ) -> tuple[list[Hit], str | None]:
        if request.size == 0:
            return [], None
        select = ["t.id", "t.record", "t.rid"]
        joins = ""
        params: list[Any] = []
        if request.sort == SortBy.RELEVANCE and match is not None:
            weights = ", ".join(str(w) for w in _WEIGHTS)
            key_sql, key_order = f"bm25(trials_fts, {weights})", "ASC"
            joins = "JOIN trials_fts ON trials_fts.rowid = t.rid AND trials_fts MATCH ?"
            params.append(match)
        elif request.sort == SortBy.RELEVANCE:
            key_sql, key_order = "0.0", "ASC"
        elif request.sort == SortBy.START_DATE:
            key_sql, key_order = "t.start_sort", "DESC"
        else:
            assert request.near is not None
            key_sql = (
                "(SELECT min(haversine_km(?, ?, s.lat, s.lon)) FROM sites s WHERE s.rid = t.rid)"
            )
            key_order = "ASC"
            params.extend([request.near.lat, request.near.lon])
        # Trials with no site sort last by distance.
        key_expr = f"coalesce({key_sql}, 1e12)" if request.sort == SortBy.DISTANCE else key_sql
        select.append(f"{key_expr} AS sort_key")
        page_where = _Where(list(where.sql), list(where.params))
        if request.cursor:
            after_key, after_id = cursors.decode(request.cursor, self.name, request.sort, 2)
            if not isinstance(after_id, str):
                raise SearchRequestError(
                    "cursor does not fit this query; start from the first page"
                )
            op = "<" if key_order == "DESC" else ">"
            page_where.add(
                f"(sort_key {op} ? OR (sort_key = ? AND t.id > ?))", after_key, after_key, after_id
            )
        if request.q and match is not None:
            # highlight() needs the FTS row of this query.
            hl = [
                f"highlight(trials_fts, {_FTS_NAMES.index(f.replace('.', '_'))}, "
                "'<mark>', '</mark>')"
                for f in HIGHLIGHT_FIELDS
            ]
            if not joins:
                joins = "JOIN trials_fts ON trials_fts.rowid = t.rid AND trials_fts MATCH ?"
                params.append(match)
            select.extend(hl)
        sql = (
            f"SELECT {', '.join(select)} FROM trials t {joins} "
            f"WHERE {page_where.clause()} "
            f"ORDER BY sort_key {key_order}, t.id ASC LIMIT ?"
        )
        # Selected expressions may be referenced in WHERE through their alias;
        # SQLite allows that, and it keeps one definition of the key.
        rows = conn.execute(sql, [*params, *page_where.params, request.size + 1]).fetchall()
        more = len(rows) > request.size
        rows = rows[: request.size]
        hits = []
        for row in rows:
            record = TrialRecord.model_validate_json(row[1])
            score = None
            if request.sort == SortBy.RELEVANCE and match is not None:
                score = round(-float(row[3]), 6)
            highlights: dict[str, list[str]] = {}
            for name, text in zip(HIGHLIGHT_FIELDS, row[4:], strict=False):
                if text and "<mark>" in text:
                    highlights[name] = [t for t in text.split("\n") if "<mark>" in t]
            hit = Hit(record=record, score=score, highlights=highlights)
            if request.near is not None:
                found = nearest_site(record.sites, request.near)
                if found is not None:
                    hit.nearest_site, hit.distance_km = found[0], round(found[1], 3)
            hits.append(hit)
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = cursors.encode(self.name, request.sort, [last[3], last[0]])
        return hits, next_cursor

    def _facets(
        self, conn: sqlite3.Connection, request: SearchRequest, base: _Where, names: list[str]
    ) -> tuple[list[Facet], list[str]]:
        counts: dict[str, list[tuple[str, int]]] = {}
        timed_out: list[str] = []
        # Facets without a selection share one pass over the fully filtered set;
        # each selected facet is counted under the other selections only.
        shared = [n for n in names if not request.selected(n)]
        groups: list[tuple[list[str], _Where]] = []
        if shared:
            groups.append((shared, base.plus(_facet_where(request.filters))))
        for name in names:
            if request.selected(name):
                groups.append(([name], base.plus(_facet_where(request.filters, skip=name))))
        deadline = time.monotonic() + FACET_TIME_LIMIT_S
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            for group_names, where in groups:
                marks = ",".join("?" * len(group_names))
                sql = (
                    f"SELECT facet, value, count(*) FROM facets WHERE facet IN ({marks}) "
                    f"AND rid IN (SELECT t.rid FROM trials t WHERE {where.clause()}) "
                    "GROUP BY facet, value"
                )
                try:
                    for name, value, n in conn.execute(sql, [*group_names, *where.params]):
                        counts.setdefault(name, []).append((value, n))
                except sqlite3.OperationalError as exc:
                    if "interrupt" not in str(exc):
                        raise ServiceError(f"SQLite index {self.path}: {exc}") from exc
                    timed_out.extend(group_names)
        finally:
            conn.set_progress_handler(None, 0)
        facets = []
        for name in names:
            chosen = set(request.selected(name))
            values = sorted(counts.get(name, []), key=lambda vc: (-vc[1], vc[0].encode()))
            facets.append(
                Facet(
                    name=name,
                    truncated=len(values) > request.facet_size,
                    values=[
                        FacetValue(value=v, count=c, selected=v in chosen)
                        for v, c in values[: request.facet_size]
                    ],
                    timed_out=name in timed_out,
                )
            )
        return facets, timed_out

    def facet_values(
        self, name: str, request: SearchRequest | None = None, size: int = 100
    ) -> Facet:
        if name not in FACETS:
            raise SearchRequestError(f"unknown facet {name!r}; known: {', '.join(FACETS)}")
        base_request = request or SearchRequest()
        req = base_request.model_copy(update={"facets": [name], "facet_size": size, "size": 0})
        return self.search(req).facets[0]

    def suggest(self, field: str, prefix: str, size: int = 10) -> list[str]:
        if field not in SUGGEST_FACETS:
            raise SearchRequestError(
                f"no suggestions for {field!r}; try {', '.join(SUGGEST_FACETS)}"
            )
        prefix = prefix.strip()
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
