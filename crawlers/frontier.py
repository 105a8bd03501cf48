"""The crawl frontier: every URL a run has scheduled and what became of it, durable per page.

Lives next to the raw store as ``<raw dir>/frontier.sqlite``. A run is keyed by
its source and seeds; starting the same crawl again while a run is unfinished
resumes it: URLs already settled are never fetched again, pending ones are
queued again. SQLite in WAL mode commits each change, so a crawl killed at any
moment (even SIGKILL) loses at most the pages in flight.

States of a URL in a run: ``pending`` (scheduled, not settled), ``stored`` (new
body kept), ``unchanged`` (304, or same body as before), ``failed`` (with a
reason), ``skipped`` (e.g. disallowed by robots.txt, with a reason).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

State = Literal["pending", "stored", "unchanged", "failed", "skipped"]
SETTLED: tuple[State, ...] = ("stored", "unchanged", "failed", "skipped")
KEEP_RUNS = 10  # finished runs whose URL lists are kept (summaries stay answerable)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    seeds TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    after_response_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS frontier (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    response_id INTEGER,
    PRIMARY KEY (run_id, url)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS frontier_state ON frontier(run_id, state);
"""


@dataclass(frozen=True)
class Run:
    id: int
    source: str
    resumed: bool  # True: an unfinished run of the same crawl was picked up
    after_response_id: int  # the raw store's last id when the run began


@dataclass
class CrawlSummary:
    """What one crawl run did, over all its attempts (a resumed run counts from the start)."""

    run_id: int
    source: str
    resumed: bool
    finished: bool
    fetched: int  # new or changed bodies stored
    unchanged: int  # 304, or a body identical to the stored one
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason), e.g. robots
    pending: int = 0  # left unsettled (only when the run did not finish)
    after_response_id: int = 0  # raw store ids of this run are > this ...
    first_response_id: int | None = None  # ... and lie in [first, last]
    last_response_id: int | None = None
    raw_dir: str = ""
    finish_reason: str = ""  # Scrapy's: "finished", "shutdown", ...
    log: str = ""  # the crawl's Scrapy log file
    peak_rss_kb: int = 0  # the crawl process's own peak memory
    stats: dict[str, Any] = field(default_factory=dict)  # the crawl's Scrapy stats
    seconds: float = 0.0

    @property
    def exit_status(self) -> int:
        """The one exit-code convention of crawls: 0 finished with nothing failed, 1
        finished but some fetches failed, 3 interrupted (the next run resumes)."""
        if not self.finished:
            return 3
        return 1 if self.failed else 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> CrawlSummary:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlSummary:
        """A summary from its JSON form; fields a summary of another version lacks (or
        has in excess) are defaulted (or left out), so old run files stay readable."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["failed"] = [tuple(x) for x in values.get("failed") or []]
        values["skipped"] = [tuple(x) for x in values.get("skipped") or []]
        for name in ("run_id", "fetched", "unchanged"):
            values.setdefault(name, 0)
        values.setdefault("source", "")
        values.setdefault("resumed", False)
        values.setdefault("finished", False)
        return cls(**values)

    def lines(self) -> list[str]:
        """The human summary printed by ``trialdex crawl listing``."""
        state = "finished" if self.finished else f"interrupted ({self.pending} pending)"
        out = [
            f"run {self.run_id} ({self.source}){' resumed' if self.resumed else ''}: {state}",
            f"  fetched (new or changed): {self.fetched}",
            f"  skipped unchanged (304 or same hash): {self.unchanged}",
            f"  skipped by policy: {len(self.skipped)}",
            f"  failed: {len(self.failed)}",
        ]
        out += [f"    {url}: {reason}" for url, reason in self.failed]
        out += [f"  skipped {url}: {reason}" for url, reason in self.skipped]
        if self.first_response_id is not None:
            out.append(
                f"  raw responses {self.first_response_id}..{self.last_response_id}"
                f" in {self.raw_dir}"
            )
        return out


class Frontier:
    """Durable per-run URL states in ``<root>/frontier.sqlite``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # Autocommit: every state change is its own durable transaction.
        self._db = sqlite3.connect(self.root / "frontier.sqlite", timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def open_run(self, source: str, seeds: Sequence[str], after_response_id: int) -> Run:
        """Resume the unfinished run of the same crawl, or begin a new one."""
        key = json.dumps(sorted(seeds))
        row = self._db.execute(
            "SELECT id, after_response_id FROM runs WHERE source = ? AND seeds = ?"
            " AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
            (source, key),
        ).fetchone()
        if row is not None:
            return Run(int(row[0]), source, resumed=True, after_response_id=int(row[1]))
        cur = self._db.execute(
            "INSERT INTO runs (source, seeds, started_at, after_response_id) VALUES (?, ?, ?, ?)",
            (source, key, _now(), after_response_id),
        )
        assert cur.lastrowid is not None
        self._prune(source, keep=KEEP_RUNS)
        return Run(cur.lastrowid, source, resumed=False, after_response_id=after_response_id)

    def _prune(self, source: str, keep: int) -> None:
        """Forget the URL lists of old finished runs; a daily crawl would grow without end."""
        self._db.execute(
            "DELETE FROM frontier WHERE run_id IN (SELECT id FROM runs WHERE source = ?"
            " AND finished_at IS NOT NULL ORDER BY id DESC LIMIT -1 OFFSET ?)",
            (source, keep),
        )

    def finish_run(self, run_id: int) -> None:
        self._db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))

    def latest_run(self, source: str, *, unfinished: bool = False) -> int | None:
        sql = "SELECT MAX(id) FROM runs WHERE source = ?"
        if unfinished:
            sql += " AND finished_at IS NULL"
        row = self._db.execute(sql, (source,)).fetchone()
        return None if row[0] is None else int(row[0])

    def add_new(self, run_id: int, url: str, kind: str) -> bool:
        """Schedule a URL unless the run already has it; True if it was new."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO frontier (run_id, url, kind, state) VALUES (?, ?, ?, 'pending')",
            (run_id, url, kind),
        )
        return cur.rowcount == 1

    def add(self, run_id: int, url: str, kind: str) -> State | None:
        """Schedule a URL; returns its state before this call (None: it is new)."""
        row = self._db.execute(
            "SELECT state FROM frontier WHERE run_id = ? AND url = ?", (run_id, url)
        ).fetchone()
        if row is not None:
            state: State = row[0]
            return state
        self._db.execute(
            "INSERT INTO frontier (run_id, url, kind, state) VALUES (?, ?, ?, 'pending')",
            (run_id, url, kind),
        )
        return None

    def settle(
        self,
        run_id: int,
        url: str,
        state: State,
        *,
        response_id: int | None = None,
        reason: str | None = None,
        kind: str = "page",
    ) -> None:
        self._db.execute(
            "INSERT INTO frontier (run_id, url, kind, state, reason, response_id)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, url) DO UPDATE SET"
            " state = excluded.state, reason = excluded.reason,"
            " response_id = excluded.response_id",
            (run_id, url, kind, state, reason, response_id),
        )

    def pending(self, run_id: int) -> list[tuple[str, str]]:
        """(url, kind) of every URL scheduled but not settled, in no particular order."""
        rows = self._db.execute(
            "SELECT url, kind FROM frontier WHERE run_id = ? AND state = 'pending'", (run_id,)
        )
        return [(str(u), str(k)) for u, k in rows]

    def state(self, run_id: int, url: str) -> State | None:
        row = self._db.execute(
            "SELECT state FROM frontier WHERE run_id = ? AND url = ?", (run_id, url)
        ).fetchone()
        return None if row is None else row[0]

    def counts(self, run_id: int) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT state, COUNT(*) FROM frontier WHERE run_id = ? GROUP BY state", (run_id,)
        )
        return {str(s): int(n) for s, n in rows}

    def summary(self, run_id: int) -> CrawlSummary:
        run = self._db.execute(
            "SELECT source, finished_at, after_response_id FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if run is None:
            raise KeyError(f"no crawl run {run_id} in {self.root}")
        counts = self.counts(run_id)

        def listed(state: str) -> list[tuple[str, str]]:
            rows = self._db.execute(
                "SELECT url, COALESCE(reason, '') FROM frontier WHERE run_id = ? AND state = ?"
                " ORDER BY url",
                (run_id, state),
            )
            return [(str(u), str(r)) for u, r in rows]

        lo, hi = self._db.execute(
            "SELECT MIN(response_id), MAX(response_id) FROM frontier"
            " WHERE run_id = ? AND state = 'stored'",
            (run_id,),
        ).fetchone()
        return CrawlSummary(
            run_id=run_id,
            source=str(run[0]),
            resumed=False,
            finished=run[1] is not None,
            fetched=counts.get("stored", 0),
            unchanged=counts.get("unchanged", 0),
            failed=listed("failed"),
            skipped=listed("skipped"),
            pending=counts.get("pending", 0),
            after_response_id=int(run[2]),
            first_response_id=None if lo is None else int(lo),
            last_response_id=None if hi is None else int(hi),
            raw_dir=str(self.root),
        )


def _now() -> str:
    return datetime.now(UTC).isoformat()
