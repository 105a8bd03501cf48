"""`trialdex bench ctgov`: ClinicalTrials.gov JSON -> record throughput on one core.

Reads every ``ctgov_v2`` study (and ``ctgov_xml`` document) into memory, then
times, in the same run and interleaved, plain ``json.loads`` of the same bytes
and the full parse (``json.loads`` included) to a validated `TrialRecord`.
Prints the median of several rounds and the ratio between them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

GOAL_PER_SECOND = 2000


def _corpus(path: str | None) -> Path:
    if path:
        return Path(path)
    return Path(os.environ.get("TRIALDEX_CORPUS", "../shared/corpus"))


def _rounds(work: Callable[[], int], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


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
    loads_t, parse_t, xml_t = [], [], []
    for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
        loads_t += _rounds(loads, 1)
        parse_t += _rounds(parse, 1)
        if documents:
            xml_t += _rounds(parse_xml, 1)
    n = len(studies)
    loads_rate = n / statistics.median(loads_t)
    parse_rate = n / statistics.median(parse_t)
    print(f"corpus: {n} API v2 studies ({megabytes:.1f} MB), {len(documents)} legacy XML")
    print(f"rounds: {args.rounds}, one process, one core; medians")
    print(f"json.loads only         {loads_rate:10,.0f} studies/s")
    print(f"JSON -> TrialRecord     {parse_rate:10,.0f} records/s  (goal >= {GOAL_PER_SECOND:,})")
    print(f"ratio parse / loads     {parse_rate / loads_rate:10.3f}")
    if xml_t:
        xml_rate = len(documents) / statistics.median(xml_t)
        print(f"XML -> TrialRecord      {xml_rate:10,.0f} records/s")
    return 0 if parse_rate >= GOAL_PER_SECOND else 1
