"""`trialdex demo`: the pipeline's DAGs through Airflow on embedded defaults, then search."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="crawl the local sample site and the ClinicalTrials.gov emulator through the "
        "Airflow DAGs, index (SQLite, or ELASTICSEARCH_URL) and serve the search page",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where raw pages, runs, the index and the Airflow home go (default TRIALDEX_HOME "
        "or var/)",
    )
    p.add_argument("--no-serve", action="store_true", help="stop after the summary (tests, CI)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core import config
    from devtools.demo import run_demo

    data_dir = config.load({"data_dir": args.data_dir}).data_dir
    return run_demo(
        data_dir=data_dir,
        corpus=config.corpus_dir(),
        serve=not args.no_serve,
        host=args.host,
        port=args.port,
        say=lambda line: print(line, flush=True),
    )
