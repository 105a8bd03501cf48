"""`trialdex crawl SOURCE ...`: harvest one source into the raw store.

Each source is a module exposing ``register(subparsers)`` that adds its own
sub-command (``trialdex crawl ctgov ...``, ``trialdex crawl listing ...``).
A source module that has not been written yet is skipped; any other import
failure is a real error and propagates.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from typing import Any

SOURCES: dict[str, str] = {
    "ctgov": "crawlers.ctgov_cli",
    "listing": "crawlers.listing_cli",
}


def _present(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:  # the parent package itself is missing
        return False


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "crawl", help="harvest a source into the raw store: " + ", ".join(sorted(SOURCES))
    )
    sources = p.add_subparsers(dest="source", metavar="SOURCE")
    for name in sorted(SOURCES):
        module_name = SOURCES[name]
        if not _present(module_name):
            continue
        importlib.import_module(module_name).register(sources)
    p.set_defaults(func=_no_source(p))


def _no_source(p: argparse.ArgumentParser) -> Any:
    def run(args: argparse.Namespace) -> int:
        p.print_help()
        return 2

    return run
