"""`trialdex bench NAME`: run one benchmark (never part of `make test`).

Each benchmark lives next to the code it measures and exposes
``run(argv: list[str]) -> int``; this table names them.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

BENCHMARKS: dict[str, str] = {
    # name: module with run(argv) -> int
    "parse": "devtools.bench_parse",
    "ctgov": "devtools.bench_ctgov",
    "api": "devtools.bench_api",
    "crawl": "devtools.bench_crawl",
    "index": "devtools.bench_index",
}


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="run a benchmark: " + ", ".join(sorted(BENCHMARKS))
        if BENCHMARKS
        else "run a benchmark",
    )
    p.add_argument("name", choices=sorted(BENCHMARKS))
    p.add_argument("options", nargs=argparse.REMAINDER, help="passed to the benchmark")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(BENCHMARKS[args.name])
    status: int = module.run(list(args.options))
    return status
