"""`trialdex ctgov-emulator`: serve the corpus as a local ClinicalTrials.gov API v2."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "ctgov-emulator",
        help="serve the corpus studies as a local ClinicalTrials.gov API v2 (for demos and tests)",
    )
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="corpus directory holding ctgov_v2/ (default $TRIALDEX_CORPUS or ../shared/corpus)",
    )
    p.add_argument(
        "--throttle-every", type=int, default=0, help="answer every Nth request with 429"
    )
    p.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on a 429")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from core.config import corpus_dir
    from devtools.ctgov_emulator import CtgovEmulator
    from parsers.errors import ConfigurationError

    corpus = args.corpus or corpus_dir()
    if not (corpus / "ctgov_v2").is_dir():
        raise ConfigurationError(f"no ctgov_v2/ folder in corpus {corpus} (use --corpus)")
    emulator = CtgovEmulator(
        corpus,
        host=args.host,
        port=args.port,
        throttle_every=args.throttle_every,
        retry_after=args.retry_after,
    )
    print(f"ClinicalTrials.gov API v2 emulator: {len(emulator.studies)} studies at {emulator.url}")
    print(f"  try: trialdex crawl ctgov --base-url {emulator.url}")
    with contextlib.suppress(KeyboardInterrupt):
        emulator.serve_forever()
    return 0
