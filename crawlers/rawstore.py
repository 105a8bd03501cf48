"""The raw store: every fetched response, kept so any later step can re-run without re-crawling.

Layout under the root directory (each path maps one-to-one onto an object
store key, e.g. ``s3://bucket/<root>/...``)::

    blobs/<sha256[:2]>/<sha256>.gz     the body, gzip-compressed, content-addressed
    catalog.sqlite                     fetch metadata: one row per stored response,
                                       and the latest state of every URL

A body is written once however many URLs or fetches share it. Storing a
response whose body hash equals the URL's latest one adds nothing: only the
URL's "last checked" time moves, so a recrawl of an unchanged site stores
nothing new. Writes are atomic (temp file + rename, SQLite transactions), so a
crawl killed at any point leaves a consistent store to resume from.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.atomic import atomic_bytes

# Headers worth keeping: they explain the body (type, encoding) or drive
# conditional re-fetching and politeness.
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "cache-control",
    "date",
    "location",
    "retry-after",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_url ON responses(url);
CREATE INDEX IF NOT EXISTS responses_source ON responses(source, id);
CREATE TABLE IF NOT EXISTS latest (
    url TEXT PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses(id),
    checked_at TEXT NOT NULL
);
"""


# The largest body any crawl keeps (the ClinicalTrials.gov spider's download cap).
MAX_BODY_BYTES = 512 * 1024 * 1024


class RawBodyTooLarge(OSError):
    """A stored blob inflates beyond the size any crawl could have stored."""


@dataclass(frozen=True)
class RawResponse:
    """Metadata of one stored response; the body is read with `RawStore.body`."""

    id: int
    source: str
    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    fetched_at: datetime
    sha256: str
    size: int

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True)
class PutResult:
    response: RawResponse
    changed: bool  # False: same body as the URL's latest response, nothing new stored


@dataclass
class RawStore:
    """A local content-addressed store of fetched responses (see module docstring)."""

    root: Path
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        (self.root / "blobs").mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    # sqlite3 connections are per thread; Scrapy pipelines and Airflow tasks
    # each use their own.
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.root / "catalog.sqlite", timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def blob_path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / f"{sha256}.gz"

    def _write_blob(self, sha256: str, body: bytes) -> None:
        path = self.blob_path(sha256)
        if path.exists():
            return
        with atomic_bytes(path) as fh:
            # mtime=0 keeps the compressed bytes a pure function of the body.
            fh.write(gzip.compress(body, compresslevel=6, mtime=0))

    def put(
        self,
        *,
        source: str,
        url: str,
        body: bytes,
        status: int = 200,
        final_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        fetched_at: datetime | None = None,
    ) -> PutResult:
        """Keep one response. Unchanged bodies (same hash as the URL's latest) add nothing."""
        sha = hashlib.sha256(body).hexdigest()
        when = (fetched_at or datetime.now(UTC)).isoformat()
        kept = {k.lower(): v for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
        db = self._db()
        current = self.latest(url)
        if current is not None and current.sha256 == sha and current.status == status:
            with db:
                db.execute("UPDATE latest SET checked_at = ? WHERE url = ?", (when, url))
            return PutResult(current, changed=False)
        self._write_blob(sha, body)
        with db:
            cur = db.execute(
                "INSERT INTO responses (source, url, final_url, status, headers, fetched_at,"
                " sha256, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (source, url, final_url or url, status, json.dumps(kept), when, sha, len(body)),
            )
            row_id = cur.lastrowid
            assert row_id is not None
            db.execute(
                "INSERT INTO latest (url, response_id, checked_at) VALUES (?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET response_id = excluded.response_id,"
                " checked_at = excluded.checked_at",
                (url, row_id, when),
            )
        stored = self._by_id(row_id)
        assert stored is not None
        return PutResult(stored, changed=True)

    def touch(self, url: str, when: datetime | None = None) -> bool:
        """Record that a URL was checked and found unchanged (e.g. a 304)."""
        with self._db() as db:
            cur = db.execute(
                "UPDATE latest SET checked_at = ? WHERE url = ?",
                ((when or datetime.now(UTC)).isoformat(), url),
            )
        return cur.rowcount > 0

    def body(self, response: RawResponse | str, max_bytes: int = MAX_BODY_BYTES) -> bytes:
        """The body of a stored response (or of a sha256), inflated to at most ``max_bytes``.

        A blob is only ever as large as a download cap allowed, but the store is a
        directory anyone with access can write to: the cap counts bytes out, so a
        damaged or planted blob cannot inflate into the memory of the parse step."""
        sha = response if isinstance(response, str) else response.sha256
        path = self.blob_path(sha)
        inflater = zlib.decompressobj(wbits=31)  # gzip framing
        body = inflater.decompress(path.read_bytes(), max_bytes)
        if inflater.unconsumed_tail:
            raise RawBodyTooLarge(f"{path}: inflates beyond {max_bytes:,} bytes; refused")
        return body

    def latest(self, url: str) -> RawResponse | None:
        row = (
            self._db()
            .execute(
                "SELECT r.* FROM latest l JOIN responses r ON r.id = l.response_id WHERE l.url = ?",
                (url,),
            )
            .fetchone()
        )
        return _row(row) if row else None

    def _by_id(self, row_id: int) -> RawResponse | None:
        row = self._db().execute("SELECT * FROM responses WHERE id = ?", (row_id,)).fetchone()
        return _row(row) if row else None

    def has(self, url: str) -> bool:
        found = self._db().execute("SELECT 1 FROM latest WHERE url = ?", (url,)).fetchone()
        return found is not None

    def iter_latest(self, source: str | None = None) -> Iterator[RawResponse]:
        """The latest response of every URL (of one source), in first-stored order."""
        sql = "SELECT r.* FROM latest l JOIN responses r ON r.id = l.response_id"
        params: tuple[str, ...] = ()
        if source is not None:
            sql += " WHERE r.source = ?"
            params = (source,)
        yield from (_row(row) for row in self._db().execute(sql + " ORDER BY r.id", params))

    def iter_checked_since(
        self, when: datetime, source: str | None = None
    ) -> Iterator[RawResponse]:
        """The latest response of every URL fetched or found unchanged at ``when`` or later:
        everything a crawl that started then saw, new to the store or not."""
        sql = (
            "SELECT r.* FROM latest l JOIN responses r ON r.id = l.response_id"
            " WHERE l.checked_at >= ?"
        )
        params: tuple[str, ...] = (when.astimezone(UTC).isoformat(),)
        if source is not None:
            sql += " AND r.source = ?"
            params += (source,)
        yield from (_row(row) for row in self._db().execute(sql + " ORDER BY r.id", params))

    def iter_since(self, after_id: int, source: str | None = None) -> Iterator[RawResponse]:
        """Responses stored after a given response id: the increment of one crawl run."""
        sql = "SELECT * FROM responses WHERE id > ?"
        params: tuple[int | str, ...] = (after_id,)
        if source is not None:
            sql += " AND source = ?"
            params += (source,)
        yield from (_row(row) for row in self._db().execute(sql + " ORDER BY id", params))

    def last_id(self) -> int:
        row = self._db().execute("SELECT COALESCE(MAX(id), 0) FROM responses").fetchone()
        return int(row[0])

    def count(self, source: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM responses"
        params: tuple[str, ...] = ()
        if source is not None:
            sql, params = sql + " WHERE source = ?", (source,)
        return int(self._db().execute(sql, params).fetchone()[0])


def _row(row: tuple[object, ...]) -> RawResponse:
    rid, source, url, final_url, status, headers, fetched_at, sha, size = row
    return RawResponse(
        id=int(str(rid)),
        source=str(source),
        url=str(url),
        final_url=str(final_url),
        status=int(str(status)),
        headers=json.loads(str(headers)),
        fetched_at=datetime.fromisoformat(str(fetched_at)),
        sha256=str(sha),
        size=int(str(size)),
    )
