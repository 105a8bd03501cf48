"""`trialdex bench ctgov`: ClinicalTrials.gov JSON -> record throughput on one core.

Reads every ``ctgov_v2`` study (and ``ctgov_xml`` document) into memory, then
times, in the same run and interleaved, plain ``json.loads`` of the same bytes
and the full parse (``json.loads`` included) to a validated `TrialRecord`.
Prints the median of several rounds and the ratio between them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from core.config import corpus_dir

GOAL_PER_SECOND = 2000


def _corpus(path: str | None) -> Path:
    if path:
        return Path(path)
    return corpus_dir()


def _timed(work: Callable[[], int]) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) of one run.

    CPU time is the per-core figure on a shared, noisy machine: time spent
    descheduled while other processes run is not the parser's cost.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="trialdex bench ctgov", description=__doc__)
    parser.add_argument("--corpus", help="corpus directory (default $TRIALDEX_CORPUS)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from parsers.ctgov import parse_study_json, parse_study_xml

    corpus = _corpus(args.corpus)
    studies = [(p.name, p.read_bytes()) for p in sorted((corpus / "ctgov_v2").glob("NCT*.json"))]
    documents = [(p.name, p.read_bytes()) for p in sorted((corpus / "ctgov_xml").glob("NCT*.xml"))]
    if not studies:
        print(f"no ctgov_v2 studies under {corpus}")
        return 1
    megabytes = sum(len(b) for _, b in studies) / 1e6

    def loads() -> int:
        for _, body in studies:
            json.loads(body)
        return len(studies)

    def parse() -> int:
        for name, body in studies:
            parse_study_json(body, name)
        return len(studies)

    def parse_xml() -> int:
        for name, body in documents:
            parse_study_xml(body, name)
        return len(documents)

    parse()  # warm caches and compiled regexes
    runs: dict[str, list[tuple[float, float]]] = {"loads": [], "parse": [], "xml": []}
    for _ in range(args.rounds):  # interleaved, so machine noise hits each alike
        runs["loads"].append(_timed(loads))
        runs["parse"].append(_timed(parse))
        if documents:
            runs["xml"].append(_timed(parse_xml))

    def rate(name: str, count: int, which: int) -> float:
        return count / statistics.median(t[which] for t in runs[name])

    n = len(studies)
    loads_rate, parse_rate = rate("loads", n, 0), rate("parse", n, 0)
    print(f"corpus: {n} API v2 studies ({megabytes:.1f} MB), {len(documents)} legacy XML")
    print(f"rounds: {args.rounds}, one process, one core; medians (CPU time | wall time)")
    print(f"json.loads only         {loads_rate:10,.0f} studies/s | {rate('loads', n, 1):,.0f}")
    print(
        f"JSON -> TrialRecord     {parse_rate:10,.0f} records/s | {rate('parse', n, 1):,.0f}"
        f"   (goal >= {GOAL_PER_SECOND:,} per core)"
    )
    print(f"ratio parse / loads     {parse_rate / loads_rate:10.3f}")
    if documents:
        xml_n = len(documents)
        print(
            f"XML -> TrialRecord      {rate('xml', xml_n, 0):10,.0f} records/s"
            f" | {rate('xml', xml_n, 1):,.0f}"
        )
    return 0 if parse_rate >= GOAL_PER_SECOND else 1
