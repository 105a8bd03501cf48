"""`trialdex bench index`: bulk indexing rate and search latency at registry scale.

In one run on this machine:

* generated records (devtools.generator; cached as JSON lines under var/bench/);
* Elasticsearch: bulk docs/s while loading, then p50/p99 latency of mixed
  searches (free text + 3 filters + 8 facets, a third of them with `near` and
  a radius) at each size (default 100,000 then 500,000, loaded
  incrementally into one index);
* SQLite: the same at 100,000.

Latency is measured around `SearchBackend.search()` (request building, the
round trip, and turning hits into records), as the API sees it; Elasticsearch's
own ``took`` is reported beside it. ``--keep`` leaves the Elasticsearch index
behind its alias (default ``trials-bench``, ``$TRIALDEX_BENCH_ALIAS``) for the
API benchmark.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core import config
from devtools.generator import GENERATOR_VERSION, RecordGenerator, load_tables
from index.backend import Progress
from index.search_models import SearchRequest

BENCH_DIR = Path("var") / "bench"
FACETS_8 = [
    "phase",
    "status",
    "study_type",
    "sponsor_class",
    "condition",
    "intervention",
    "country",
    "sex",
]
GOALS = {"index_docs_s": 5000, "es_p50_ms": 20, "es_p99_ms": 100, "sqlite_p99_ms": 250}


# Data


def _chunk(args: tuple[int, int, int]) -> str:
    seed, start, count = args
    generator = RecordGenerator(seed=seed)
    return "".join(
        json.dumps(generator.record_dict(n), separators=(",", ":")) + "\n"
        for n in range(start, start + count)
    )


def dataset(count: int, seed: int) -> Path:
    """A JSON-lines file with at least ``count`` generated records (made once)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"generated-v{GENERATOR_VERSION}-seed{seed}-{count}.jsonl"
    if path.exists():
        return path
    bigger = sorted(BENCH_DIR.glob(f"generated-v{GENERATOR_VERSION}-seed{seed}-*.jsonl"))
    for other in bigger:
        if int(other.stem.rsplit("-", 1)[1]) >= count:
            return other
    step = 5000
    jobs = [(seed, start, min(step, count - start + 1)) for start in range(1, count + 1, step)]
    tmp = path.with_suffix(".part")
    started = time.perf_counter()
    with tmp.open("w") as out, multiprocessing.Pool(2) as pool:
        for done, block in enumerate(pool.imap(_chunk, jobs), start=1):
            out.write(block)
            print(
                f"\rgenerating records: {min(done * step, count):,}/{count:,}",
                end="",
                file=sys.stderr,
            )
    print(f" ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
    tmp.replace(path)
    return path


def lines(path: Path, start: int, stop: int) -> Iterator[str]:
    """Lines [start, stop) of a file."""
    with path.open() as fh:
        for n, line in enumerate(fh):
            if n >= stop:
                return
            if n >= start:
                yield line


# Queries


def mixed_queries(count: int, seed: int) -> list[SearchRequest]:
    """Free text + 3 filters + 8 facets; a third are near a place with a radius."""
    tables = load_tables()
    rng = random.Random(seed)
    gen = RecordGenerator(tables, seed=seed)
    phase_values = ["PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA", "EARLY_PHASE1"]
    statuses = [s for s, _ in tables["status"] if s]
    countries = [p[2] for p in tables["places"][:40]]
    requests = []
    for n in range(count):
        condition: str = gen.conditions.draw(rng)
        words = condition.split()
        text = " ".join(words[: rng.randint(1, min(2, len(words)))])
        filters: dict[str, list[str]] = {}
        options = ["phase", "status", "sponsor_class", "sex", "study_type", "age"]
        near = n % 3 == 0
        if not near:
            options.append("country")
        picks = rng.sample(options, 2 if near else 3)
        data: dict[str, Any] = {"q": text, "facets": FACETS_8, "size": 20}
        for pick in picks:
            if pick == "phase":
                filters["phase"] = rng.sample(phase_values, rng.randint(1, 2))
            elif pick == "status":
                filters["status"] = rng.sample(statuses, rng.randint(1, 3))
            elif pick == "sponsor_class":
                filters["sponsor_class"] = [rng.choice(["OTHER", "INDUSTRY", "NIH"])]
            elif pick == "sex":
                filters["sex"] = ["ALL", rng.choice(["FEMALE", "MALE"])]
            elif pick == "study_type":
                filters["study_type"] = ["INTERVENTIONAL"]
            elif pick == "country":
                filters["country"] = [rng.choice(countries)]
            else:
                data["min_age"] = rng.choice([18, 30, 65])
        if near:
            place = gen.places.draw(rng)
            data["near"] = {"lat": place[3], "lon": place[4]}
            data["radius_km"] = rng.choice([25, 50, 100, 200])
            if rng.random() < 0.5:
                data["sort"] = "distance"
        data["filters"] = filters
        requests.append(SearchRequest.parse(data))
    return requests


def latency(backend: Any, requests: list[SearchRequest], warmup: int = 20) -> dict[str, float]:
    for request in requests[:warmup]:
        backend.search(request)
    wall: list[float] = []
    took: list[float] = []
    totals: list[int] = []
    for request in requests:
        started = time.perf_counter()
        response = backend.search(request)
        wall.append((time.perf_counter() - started) * 1000)
        took.append(response.took_ms or 0.0)
        totals.append(response.total)
    cuts = statistics.quantiles(wall, n=100, method="inclusive")
    return {
        "queries": len(requests),
        "p50_ms": round(statistics.median(wall), 1),
        "p90_ms": round(cuts[89], 1),
        "p99_ms": round(cuts[98], 1),
        "mean_ms": round(statistics.fmean(wall), 1),
        "median_total": statistics.median(totals),
        "empty": sum(1 for t in totals if t == 0),
    }


# Runs


def _progress(label: str, base: int, upto: int) -> Progress:
    def show(done: int) -> None:
        print(f"\r{label}: {base + done:,}/{upto:,}", end="", file=sys.stderr)

    return show


def bench_es(
    args: argparse.Namespace, path: Path, requests: list[SearchRequest]
) -> list[dict[str, Any]]:
    from index.es_backend import BULK_LOAD_SETTINGS
    from index.es_bulk import bulk_index_documents, record_json_pairs
    from index.factory import open_elasticsearch

    backend = open_elasticsearch(args.url, alias=args.alias)
    backend.drop()
    backend.put_template()
    index = backend.create_index(bulk_load=True)
    backend.client.indices.update_aliases(
        actions=[{"add": {"index": index, "alias": backend.alias, "is_write_index": True}}]
    )
    results = []
    loaded = 0
    for size in args.sizes:
        if loaded:
            backend.client.indices.put_settings(index=index, settings=BULK_LOAD_SETTINGS)
        started = time.perf_counter()
        report = bulk_index_documents(
            backend.client,
            index,
            record_json_pairs(lines(path, loaded, size)),
            chunk_size=args.chunk,
            threads=args.threads,
            progress=_progress("ES", loaded, size),
        )
        backend.client.indices.refresh(index=index)
        elapsed = time.perf_counter() - started
        print(file=sys.stderr)
        if report.failures:
            print(
                f"  {len(report.failures)} failures, first: {report.failures[0]}", file=sys.stderr
            )
        rate = report.indexed / elapsed
        loaded = size
        backend.finish_bulk_load(index)
        # As after a migrate: merged segments, then steady-state searches.
        backend.merge(index)
        stats = latency(backend, requests)
        row = {
            "backend": "elasticsearch",
            "records": backend.count(),
            "index_docs_s": round(rate),
            **stats,
        }
        results.append(row)
        print(json.dumps(row), file=sys.stderr)
    if not args.keep:
        backend.drop()
    backend.close()
    return results


def bench_sqlite(
    args: argparse.Namespace, path: Path, requests: list[SearchRequest]
) -> dict[str, Any]:
    from index.sqlite_backend import SqliteBackend
    from parsers.records import TrialRecord

    db = BENCH_DIR / f"bench-{args.sqlite_size}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    backend = SqliteBackend(db)
    backend.setup()
    started = time.perf_counter()
    records = (TrialRecord.model_validate_json(line) for line in lines(path, 0, args.sqlite_size))
    report = backend.index_records(
        records,
        progress=_progress("SQLite", 0, args.sqlite_size),
    )
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    backend.close()
    backend = SqliteBackend(db)
    backend._conn().execute("ANALYZE")
    stats = latency(backend, requests)
    row = {
        "backend": "sqlite",
        "records": backend.count(),
        "index_docs_s": round(report.indexed / elapsed),
        **stats,
    }
    print(json.dumps(row), file=sys.stderr)
    backend.close()
    return row


def goal_ratios(rows: list[dict[str, Any]]) -> list[str]:
    """Each measured figure over its goal (<= 1.00 meets a latency goal)."""
    lines = []
    es = [r for r in rows if r["backend"] == "elasticsearch"]
    if es:
        slowest = min(r["index_docs_s"] for r in es)
        lines.append(
            f"indexing: slowest {slowest:,} docs/s = {slowest / GOALS['index_docs_s']:.2f}x "
            f"the {GOALS['index_docs_s']:,} docs/s goal"
        )
        big = max(es, key=lambda r: r["records"])
        for key in ("p50", "p99"):
            goal = GOALS[f"es_{key}_ms"]
            lines.append(
                f"elasticsearch {big['records']:,} {key}: {big[f'{key}_ms']} ms = "
                f"{big[f'{key}_ms'] / goal:.2f}x the {goal} ms limit"
            )
    for r in rows:
        if r["backend"] == "sqlite":
            goal = GOALS["sqlite_p99_ms"]
            lines.append(
                f"sqlite {r['records']:,} p99: {r['p99_ms']} ms = "
                f"{r['p99_ms'] / goal:.2f}x the {goal} ms limit"
            )
    return lines


def search_only(args: argparse.Namespace) -> int:
    """Latency on what an earlier run built, without loading anything."""
    from index.factory import open_backend
    from index.sqlite_backend import SqliteBackend

    requests = mixed_queries(args.queries, args.seed + 1)
    backends: list[Any] = []
    if not args.skip_es:
        backends.append(open_backend("es", url=args.url, alias=args.alias))
    db = BENCH_DIR / f"bench-{args.sqlite_size}.sqlite"
    if not args.skip_sqlite and db.exists():
        backends.append(SqliteBackend(db))
    for backend in backends:
        row = {"backend": backend.name, "records": backend.count(), **latency(backend, requests)}
        print(json.dumps(row))
        backend.close()
    return 0


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trialdex bench index", description=__doc__)
    parser.add_argument("--sizes", default="100000,500000", help="Elasticsearch sizes, ascending")
    parser.add_argument("--sqlite-size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=1000, help="bulk chunk size")
    parser.add_argument("--threads", type=int, default=2, help="bulk requests in flight")
    parser.add_argument("--url", help="Elasticsearch (default $ELASTICSEARCH_URL or dev server)")
    parser.add_argument(
        "--alias",
        default=config.raw_value("bench_alias") or "trials-bench",
        help="Elasticsearch alias (default trials-bench, which `trialdex bench api` serves)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the Elasticsearch index in place"
    )
    parser.add_argument("--skip-es", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="only measure searches on the index a --keep run left (and its SQLite file)",
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    if args.search_only:
        return search_only(args)
    biggest = max([*args.sizes, 0 if args.skip_sqlite else args.sqlite_size])
    path = dataset(biggest, args.seed)
    requests = mixed_queries(args.queries, args.seed + 1)
    rows: list[dict[str, Any]] = []
    if not args.skip_es:
        rows.extend(bench_es(args, path, requests))
    if not args.skip_sqlite:
        rows.append(bench_sqlite(args, path, requests))
    header = ("backend", "records", "docs/s", "p50 ms", "p90 ms", "p99 ms", "mean")
    print(f"{header[0]:<14}{header[1]:>10}{header[2]:>10}" + "".join(f"{h:>9}" for h in header[3:]))
    for row in rows:
        print(
            f"{row['backend']:<14}{row['records']:>10,}{row['index_docs_s']:>10,}"
            f"{row['p50_ms']:>9}{row['p90_ms']:>9}{row['p99_ms']:>9}{row['mean_ms']:>9}"
        )
    print(f"goals: {json.dumps(GOALS)}")
    for line in goal_ratios(rows):
        print(line)
    if args.keep and not args.skip_es:
        print(f"kept: Elasticsearch alias {args.alias!r} with {args.sizes[-1]:,} records")
    return 0
