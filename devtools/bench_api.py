"""`trialdex bench api`: load on the HTTP API over loopback, Elasticsearch behind it.

Starts `trialdex serve` (uvicorn, ``--workers``) on a free loopback port over an
Elasticsearch alias, then 16 concurrent keep-alive clients send a fixed mix of
searches for a bounded time and count. Prints requests/s and latency p50/p90/p99
per kind of search and overall, measured in this one run.

The index is the index benchmark's (``--alias``, left in place by its
``--keep``). When the alias is missing or smaller than ``--records``, a
synthetic index of ``--records`` trials is built first (and said so).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import FastAPI

from core import config
from index.backend import IndexReport
from index.coverage import SourceCoverage, tally_documents
from index.search_models import FACETS, Facet, FacetValue, Hit, SearchRequest, SearchResponse
from parsers.records import TrialRecord

GOAL_RPS = 200.0
GOAL_P99_MS = 150.0

_TEXT = [
    "breast cancer",
    "multiple myeloma",
    "lenalidomide",
    "diabetes",
    "asthma",
    "heart failure",
    "pembrolizumab",
    "melanoma",
    "depression",
    "obesity",
    "hypertension",
    "leukemia",
    "lung cancer metformin",
    "alzheimer",
    "covid-19",
    "prostate cancer",
    "lymphoma",
    "kidney",
]
_NEAR = [
    "42.3601,-71.0589",
    "40.7128,-74.0060",
    "29.7604,-95.3698",
    "41.8781,-87.6298",
    "34.0522,-118.2437",
    "48.8566,2.3522",
    "51.5074,-0.1278",
    "43.6532,-79.3832",
]
_FILTERS: list[tuple[str, list[str]]] = [
    ("phase", ["PHASE1", "PHASE2", "PHASE3", "PHASE4"]),
    ("status", ["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING"]),
    ("sponsor_class", ["INDUSTRY", "NIH", "OTHER"]),
    ("country", ["United States", "France", "Canada", "Germany", "United Kingdom"]),
    ("study_type", ["INTERVENTIONAL", "OBSERVATIONAL"]),
    ("sex", ["ALL", "FEMALE"]),
]


def search_mix(count: int = 20_000, seed: int = 8) -> list[tuple[str, str]]:
    """(kind, query string) pairs: the searches a researcher and an app send, varied so
    that no cache along the way can serve them from memory.

    Kinds: text; text + 3 filters; filters only; near a place with a radius (some sorted
    by distance); an age filter; facets only (size=0). Every one counts the default facets.
    """
    rng = random.Random(seed)
    kinds = [
        "text",
        "text+3 filters",
        "text+3 filters",
        "filters",
        "near",
        "near",
        "age",
        "facets only",
        "text",
    ]
    mix = []
    for _ in range(count):
        kind = rng.choice(kinds)
        params: list[tuple[str, str]] = []
        if kind != "filters":
            params.append(("q", rng.choice(_TEXT)))
        if kind in ("text+3 filters", "filters"):
            for name, values in rng.sample(_FILTERS, 3):
                params.extend((name, v) for v in rng.sample(values, rng.choice([1, 1, 2])))
        if kind == "near":
            params += [("near", rng.choice(_NEAR)), ("radius_km", rng.choice(["25mi", "100km"]))]
            if rng.random() < 0.5:
                params.append(("sort", "distance"))
        if kind == "age":
            age = rng.randint(5, 85)
            params += [("min_age", str(age)), ("max_age", str(age))]
        if kind == "facets only":
            params.append(("size", "0"))
        elif rng.random() < 0.2:
            params.append(("sort", "start_date") if kind != "near" else ("size", "10"))
        mix.append((kind, urlencode(params)))
    return mix


_MIX = search_mix()

# --facets: what each search adds to its query string.
FACET_CHOICES = {
    "all": "",
    "page": "&facets=status,phase,study_type,condition,intervention_type,sponsor_class,"
    "sponsor,country,state,sex,source",
    "none": "&facets=",
}


@dataclass
class Sample:
    kind: str
    status: int
    ms: float


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --- a synthetic index, only when the index benchmark's is not there -------------------

_CONDITIONS = [
    "Breast Cancer",
    "Multiple Myeloma",
    "Type 2 Diabetes",
    "Asthma",
    "Heart Failure",
    "Prostate Cancer",
    "Lung Cancer",
    "Obesity",
    "Hypertension",
    "Depression",
    "HIV",
    "Alzheimer Disease",
    "Parkinson Disease",
    "Rheumatoid Arthritis",
    "COVID-19",
    "Colorectal Cancer",
    "Melanoma",
    "Leukemia",
    "Lymphoma",
    "Chronic Kidney Disease",
]
_DRUGS = [
    "Pembrolizumab",
    "Lenalidomide",
    "Metformin",
    "Budesonide",
    "Dapagliflozin",
    "Nivolumab",
    "Trastuzumab",
    "Placebo",
    "Semaglutide",
    "Atorvastatin",
    "Remdesivir",
]
_SPONSORS = [
    ("Pfizer", "INDUSTRY"),
    ("Novartis", "INDUSTRY"),
    ("Merck Sharp & Dohme", "INDUSTRY"),
    ("National Cancer Institute (NCI)", "NIH"),
    ("Mayo Clinic", "OTHER"),
    ("Memorial Sloan Kettering Cancer Center", "OTHER"),
    ("AstraZeneca", "INDUSTRY"),
    ("M.D. Anderson Cancer Center", "OTHER"),
    ("Assistance Publique - Hôpitaux de Paris", "OTHER"),
]
_CITIES = [
    ("Boston", "Massachusetts", "United States", 42.3601, -71.0589),
    ("New York", "New York", "United States", 40.7128, -74.0060),
    ("Houston", "Texas", "United States", 29.7604, -95.3698),
    ("Chicago", "Illinois", "United States", 41.8781, -87.6298),
    ("Los Angeles", "California", "United States", 34.0522, -118.2437),
    ("Rochester", "Minnesota", "United States", 44.0121, -92.4802),
    ("Toronto", "Ontario", "Canada", 43.6532, -79.3832),
    ("Paris", None, "France", 48.8566, 2.3522),
    ("London", None, "United Kingdom", 51.5074, -0.1278),
    ("Berlin", None, "Germany", 52.5200, 13.4050),
    ("Tokyo", None, "Japan", 35.6762, 139.6503),
    ("Shanghai", None, "China", 31.2304, 121.4737),
]
_PHASES = [["PHASE1"], ["PHASE2"], ["PHASE3"], ["PHASE4"], ["PHASE1", "PHASE2"], ["NA"], []]
_STATUSES = [
    "COMPLETED",
    "RECRUITING",
    "UNKNOWN",
    "TERMINATED",
    "NOT_YET_RECRUITING",
    "ACTIVE_NOT_RECRUITING",
    "WITHDRAWN",
]


def synthetic_records(count: int, seed: int = 8) -> Iterator[TrialRecord]:
    """Varied trials with skewed distributions; a stand-in for the index benchmark's set."""
    rng = random.Random(seed)
    for n in range(count):
        condition = _CONDITIONS[min(int(rng.paretovariate(1.2)) - 1, len(_CONDITIONS) - 1)]
        drug = rng.choice(_DRUGS)
        sponsor, sponsor_class = rng.choice(_SPONSORS)
        sites = []
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])):
            city, state, country, lat, lon = rng.choice(_CITIES)
            sites.append(
                {
                    "facility": f"{city} Medical Center",
                    "city": city,
                    "state": state,
                    "country": country,
                    "geo": {
                        "lat": lat + rng.uniform(-0.3, 0.3),
                        "lon": lon + rng.uniform(-0.3, 0.3),
                    },
                }
            )
        low = rng.choice([None, 18, 18, 18, 40, 65, 0])
        high = rng.choice([None, None, 65, 75, 17]) if low != 65 else None
        if low is not None and high is not None and high < low:
            high = None
        data: dict[str, Any] = {
            "id": f"bench:B{n:07d}",
            "registry_ids": [f"NCT{n:08d}"],
            "source": {"name": "bench", "parser_version": "1"},
            "title": f"{drug} for {condition}: a study {n}",
            "summary": f"This trial studies {drug.lower()} in people with {condition.lower()} "
            f"to learn about safety and how well it works.",
            "status": rng.choice(_STATUSES),
            "phases": rng.choice(_PHASES),
            "study_type": rng.choice(["INTERVENTIONAL"] * 4 + ["OBSERVATIONAL"]),
            "conditions": [condition],
            "interventions": [{"name": drug, "type": "DRUG"}],
            "sponsor": {"name": sponsor, "class": sponsor_class},
            "eligibility": {
                "min_age_years": low,
                "max_age_years": high,
                "sex": rng.choice(["ALL", "ALL", "ALL", "FEMALE", "MALE"]),
                "inclusion": [f"Diagnosis of {condition.lower()}"],
            },
            "sites": sites,
            "dates": {"start": f"{rng.randint(2000, 2026)}-{rng.randint(1, 12):02d}"},
            "has_results": rng.random() < 0.3,
        }
        yield TrialRecord.model_validate(data)


def _records(count: int) -> Iterator[TrialRecord]:
    """The index benchmark's realistic generator when present, else the stand-in here."""
    try:
        from devtools.generator import RecordGenerator  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print("(devtools.generator not available: using devtools.bench_api's synthetic records)")
        return synthetic_records(count)
    records: Iterator[TrialRecord] = RecordGenerator(seed=1).records(count)
    return records


def ensure_index(url: str, alias: str, records: int) -> tuple[int, bool]:
    """(documents behind ``alias``, whether this run built them)."""
    from index.factory import open_backend

    backend = open_backend("es", url=url, alias=alias)
    try:
        try:
            count = backend.count()
        except Exception:  # alias missing: build it below
            count = 0
        if count >= records:
            return count, False
        print(
            f"alias {alias!r} has {count:,} records; building {records:,} generated ones "
            "(the index benchmark's set was not left in place)",
            flush=True,
        )
        backend.setup()
        started = time.perf_counter()
        report = backend.index_records(_records(records))
        took = time.perf_counter() - started
        print(
            f"indexed {report.indexed:,} in {took:.0f} s ({report.indexed / took:,.0f} docs/s);"
            f" {len(report.failures)} failed",
            flush=True,
        )
        return backend.count(), True
    finally:
        backend.close()


# --- the load ------------------------------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """One HTTP/1.1 request on a kept-alive connection; reads the whole body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = head.lower()
    at = headers.find(b"\r\ncontent-length:")
    if at >= 0:
        end = headers.index(b"\r\n", at + 2)
        await reader.readexactly(int(headers[at + 17 : end]))
    elif b"transfer-encoding: chunked" in headers:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if b"\r\nconnection: close" in headers:
        raise ConnectionResetError("the server closed the connection")
    return status


async def _client(
    host: str, port: int, offset: int, deadline: float, limit: int, out: list[Sample]
) -> None:
    """A keep-alive client on a raw socket. A general HTTP client spends a
    millisecond or more of CPU per answer of this size, on the same two cores
    as the server under test; this one only frames the bytes."""
    i = offset
    sent = 0
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.perf_counter() < deadline and sent < limit:
        kind, query = _MIX[i % len(_MIX)]
        i += 1
        sent += 1
        request = f"GET /v1/trials?{query} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
        started = time.perf_counter()
        try:
            if connection is None:
                connection = await asyncio.open_connection(host, port, limit=2**24)
            status = await _exchange(*connection, request)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status = 0
            if connection is not None:
                connection[1].close()
            connection = None
        out.append(Sample(kind, status, (time.perf_counter() - started) * 1000))
    if connection is not None:
        connection[1].close()


async def load(base: str, clients: int, seconds: float, per_client: int, start: int = 0) -> Results:
    """Each client walks its own stretch of the mix, from ``start`` into it."""
    address = urlsplit(base)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    samples: list[Sample] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _client(host, port, start + c * len(_MIX) // clients, deadline, per_client, samples)
            for c in range(clients)
        )
    )
    return Results(samples, time.perf_counter() - started)


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("trialdex serve exited before answering")
        try:
            if httpx.get(base + "/v1/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("trialdex serve did not answer in time")


def report(results: Results, clients: int, *, verdict: bool = True) -> tuple[float, float]:
    samples = results.samples
    ok = [s for s in samples if s.status == 200]
    rps = len(samples) / results.seconds
    print(
        f"\n{len(samples):,} requests from {clients} clients in {results.seconds:.1f} s: "
        f"{rps:,.0f} req/s; {len(samples) - len(ok)} not 200"
    )
    print(f"{'kind':<16}{'n':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    kinds = sorted({s.kind for s in samples})
    for kind in [*kinds, "ALL"]:
        ms = [s.ms for s in samples if kind in ("ALL", s.kind)]
        print(
            f"{kind:<16}{len(ms):>7}{statistics.median(ms):>9.1f}"
            f"{_percentile(ms, 90):>9.1f}{_percentile(ms, 99):>9.1f}{max(ms):>9.1f}"
        )
    all_ms = [s.ms for s in samples]
    p99 = _percentile(all_ms, 99)
    if verdict:
        print(_verdict(rps, p99))
    return rps, p99


def _verdict(rps: float, p99: float, of: str = "") -> str:
    return (
        f"\ngoal: >= {GOAL_RPS:.0f} req/s and p99 <= {GOAL_P99_MS:.0f} ms{of} -> "
        f"{rps / GOAL_RPS:.2f}x the rate, p99 at {p99 / GOAL_P99_MS:.2f}x the limit: "
        + ("MET" if rps >= GOAL_RPS and p99 <= GOAL_P99_MS else "NOT MET")
    )


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trialdex bench api", description=__doc__)
    parser.add_argument(
        "--alias",
        default=config.raw_value("bench_alias") or "trials-bench",
        help="Elasticsearch alias to serve (default trials-bench)",
    )
    parser.add_argument(
        "--records",
        type=int,
        default=500_000,
        help="build a synthetic index of this size when the alias has fewer",
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="measured load per run (bounded)"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=20_000,
        help="stop each client after this many / clients requests",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up load")
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="measured runs, each after clearing the request cache and a warm-up; "
        "the median run is reported",
    )
    parser.add_argument(
        "--facets",
        choices=tuple(FACET_CHOICES),
        default="all",
        help="facets each search counts: all (the API default, 13), page (the 11 the "
        "search page shows) or none (an app paging through hits)",
    )
    parser.add_argument(
        "--stub",
        action="store_true",
        help="serve a canned answer instead of Elasticsearch: the HTTP layer's own capacity",
    )
    parser.add_argument(
        "--direct",
        action="store_true",
        help="call the Elasticsearch backend in-process from as many threads, no HTTP: "
        "what the index alone sustains under the same mix",
    )
    args = parser.parse_args(argv)
    suffix = FACET_CHOICES[args.facets]
    global _MIX
    _MIX = [(kind, query + suffix) for kind, query in search_mix()]
    if args.stub:
        return _run_server(
            args, ["devtools.bench_api:stub_app"], {}, "stub backend (no search work)"
        )

    from devtools import dev_es as devserver

    url = config.raw_value("elasticsearch_url")
    if not url:
        server = devserver.running()
        if server is None:
            print(
                "no Elasticsearch: set ELASTICSEARCH_URL or run `trialdex dev-es start`",
                file=sys.stderr,
            )
            return 2
        url = server.url
    count, built = ensure_index(url, args.alias, args.records)
    print(
        f"Elasticsearch {url}, alias {args.alias!r}: {count:,} records"
        + (" (built by this run)" if built else ""),
        flush=True,
    )

    if args.direct:
        return _run_direct(args, url)
    serve = ["trialdex.cli", "serve", "--backend", "es", "--alias", args.alias]
    return _run_server(
        args,
        serve,
        {"ELASTICSEARCH_URL": url},
        f"alias {args.alias!r}",
        _clear_request_cache(url, args.alias),
    )


def _run_direct(args: argparse.Namespace, url: str) -> int:
    """The same mix straight into `SearchBackend.search` from ``--clients`` threads."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import parse_qsl

    from api.params import parse_search
    from index.factory import open_backend

    backend = open_backend("es", url=url, alias=args.alias)
    per_client = max(1, args.max_requests // args.clients)

    def client(offset: int, seconds: float, out: list[Sample]) -> None:
        deadline = time.perf_counter() + seconds
        for i in range(offset, offset + per_client):
            if time.perf_counter() >= deadline:
                return
            kind, query = _MIX[i % len(_MIX)]
            started = time.perf_counter()
            try:
                backend.search_json(parse_search(parse_qsl(query, keep_blank_values=True)))
                status = 200
            except Exception:  # counted, not raised: the report shows failures
                status = 0
            out.append(Sample(kind, status, (time.perf_counter() - started) * 1000))

    def phase(seconds: float, start: int) -> Results:
        samples: list[Sample] = []
        began = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            for c in range(args.clients):
                pool.submit(client, start + c * len(_MIX) // args.clients, seconds, samples)
        return Results(samples, time.perf_counter() - began)

    try:
        print(
            f"direct: {args.clients} threads calling the backend; facets={args.facets}; "
            f"warming up {args.warmup:.0f} s ...",
            flush=True,
        )
        phase(args.warmup, 0)
        print(f"measuring for up to {args.seconds:.0f} s ...", flush=True)
        results = phase(args.seconds, 5000)
    finally:
        backend.close()
    report(results, args.clients)
    return 0


def _run_server(
    args: argparse.Namespace,
    target: list[str],
    env: dict[str, str],
    what: str,
    clear_cache: Callable[[], None] | None = None,
) -> int:
    """Start the server (``trialdex serve`` or uvicorn on a factory), load it, report."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    if target[0] == "trialdex.cli":
        command = [sys.executable, "-m", *target, "--port", str(port)]
        command += ["--workers", str(args.workers)]
    else:
        command = [sys.executable, "-m", "uvicorn", target[0], "--factory", "--port", str(port)]
        command += ["--workers", str(args.workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(
        command, env={**os.environ, **env}, cwd=Path.cwd(), stdout=subprocess.DEVNULL
    )
    try:
        _wait_until_up(base, proc)
        per_client = max(1, args.max_requests // args.clients)
        print(
            f"server: {args.workers} uvicorn workers on {base} over {what}; facets={args.facets};"
            f" {args.runs} runs of {args.warmup:.0f} s warm-up + {args.seconds:.0f} s measured",
            flush=True,
        )
        runs: list[Results] = []
        for number in range(1, args.runs + 1):
            if clear_cache is not None:
                clear_cache()  # every run starts from the same cold request cache
            asyncio.run(load(base, args.clients, args.warmup, per_client))
            # Measured searches start past the warm-up's, so no result was seen before.
            results = asyncio.run(load(base, args.clients, args.seconds, per_client, start=5000))
            runs.append(results)
            rps, p50, p99 = _summary(results)
            print(
                f"  run {number}: {rps:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms", flush=True
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    median = sorted(runs, key=lambda r: _summary(r)[0])[len(runs) // 2]
    print(f"\nthe median run (by req/s) of {len(runs)}:")
    report(median, args.clients, verdict=len(runs) == 1)
    if len(runs) > 1:
        rates = [_summary(r)[0] for r in runs]
        p99s = sorted(_summary(r)[2] for r in runs)
        shown = ", ".join(f"{p:.1f}" for p in p99s)
        print(
            f"\nover the {len(runs)} runs: req/s {', '.join(f'{r:.0f}' for r in rates)}; "
            f"p99 ms {shown}"
        )
        of = f" (medians of {len(runs)} runs)"
        print(_verdict(statistics.median(rates), statistics.median(p99s), of))
    return 0


def _summary(results: Results) -> tuple[float, float, float]:
    """req/s, p50 and p99 of one run."""
    ms = [s.ms for s in results.samples]
    return len(ms) / results.seconds, _percentile(ms, 50), _percentile(ms, 99)


def _clear_request_cache(url: str, alias: str) -> Callable[[], None]:
    def clear() -> None:
        httpx.post(f"{url}/{alias}/_cache/clear", params={"request": "true"}, timeout=30)

    return clear


class StubBackend:
    """A backend that answers every search with the same 20 generated hits and facets.

    Serving it measures what the HTTP layer costs per request (parsing, validation,
    serialisation, uvicorn) with no search work behind it.
    """

    name = "stub"

    def __init__(self) -> None:
        records = list(synthetic_records(20))
        self._records = {r.id: r for r in records}
        facets = [
            Facet(
                name=name,
                values=[FacetValue(value=f"{name}-{i}", count=100 - i) for i in range(10)],
            )
            for name in FACETS
        ]
        self._response = SearchResponse(
            total=12_345,
            hits=[Hit(record=r, score=1.0, highlights={"title": [r.title]}) for r in records],
            facets=facets,
            backend=self.name,
        )

    def setup(self) -> None:
        pass

    def index_records(self, records: Iterable[TrialRecord], **options: Any) -> IndexReport:
        return IndexReport()

    def rebuild(self, records: Callable[[], Iterable[TrialRecord]], **options: Any) -> IndexReport:
        return IndexReport()

    def delete(self, ids: Iterable[str]) -> int:
        return 0

    def get(self, id: str) -> TrialRecord | None:
        return self._records.get(id)

    def search(self, request: SearchRequest) -> SearchResponse:
        wanted = set(request.facet_names())
        return self._response.model_copy(
            update={
                "hits": self._response.hits[: request.size],
                "facets": [f for f in self._response.facets if f.name in wanted],
            }
        )

    def search_json(self, request: SearchRequest) -> bytes:
        return self.search(request).model_dump_json(by_alias=True).encode()

    def suggest(self, field: str, prefix: str, size: int = 10) -> list[str]:
        return []

    def facet_values(
        self, name: str, request: SearchRequest | None = None, size: int = 100
    ) -> Facet:
        return next(f for f in self._response.facets if f.name == name)

    def count(self) -> int:
        return len(self._records)

    def ids(self, source: str | None = None) -> set[str]:
        return set(self._records)

    def coverage_by_source(self) -> dict[str, SourceCoverage]:
        return tally_documents(r.to_dict() for r in self._records.values())

    def health(self) -> dict[str, object]:
        return {"backend": self.name, "ok": True}

    def close(self) -> None:
        pass


def stub_app() -> FastAPI:
    """uvicorn factory for ``--stub``."""
    from api.app import create_app

    return create_app(StubBackend())
