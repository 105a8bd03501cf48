"""`trialdex dev-es start|stop|status`: a local Elasticsearch 9 for development and tests."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "dev-es",
        help="start, stop or inspect a local Elasticsearch 9 (fetched from Maven Central)",
        description=(
            "When ELASTICSEARCH_URL is set, that cluster is used and nothing is started. "
            "Otherwise the newest Elasticsearch 9 zip is fetched (cached outside the "
            "repository), and run on 127.0.0.1 as an unprivileged user."
        ),
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from devtools import dev_es as devserver

    if args.action == "start":
        server = devserver.start()
        where = "configured by ELASTICSEARCH_URL" if not server.managed else f"pid {server.pid}"
        print(f"{server.url} ({where}, version {server.version or 'unknown'})")
        print(f"export ELASTICSEARCH_URL={server.url}")
        return 0
    if args.action == "stop":
        print("stopped" if devserver.stop() else "no dev server was running")
        return 0
    current = devserver.running()
    if current is None:
        print("no Elasticsearch running (trialdex dev-es start)")
        return 1
    print(f"{current.url} healthy (version {current.version or 'unknown'})")
    return 0
