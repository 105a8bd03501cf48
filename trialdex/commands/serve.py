"""`trialdex serve`: the search page and the /v1 API with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve", help="serve the search page (/) and the JSON API (/v1, docs at /docs)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--backend",
        choices=("es", "sqlite"),
        default=None,
        help="search backend (default: es when ELASTICSEARCH_URL is set, else sqlite)",
    )
    p.add_argument(
        "--path",
        type=Path,
        default=None,
        help="SQLite index file (default: TRIALDEX_SQLITE, else trialdex.sqlite in TRIALDEX_HOME)",
    )
    p.add_argument("--alias", default=None, help="Elasticsearch alias to read (default trials)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1; on a 2-core machine with a local "
        "Elasticsearch, 2 serve the most requests)",
    )
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from core import config
    from parsers.errors import ConfigurationError

    if args.workers < 1:
        raise ConfigurationError(f"--workers {args.workers}: needs at least 1")
    settings = config.load(
        {"backend": args.backend, "sqlite_path": args.path, "es_alias": args.alias}
    )
    # Worker processes build the app from the environment (uvicorn's factory): hand them
    # the settings resolved here, so every worker serves the same index.
    os.environ[config.env_name("backend")] = settings.backend
    os.environ[config.env_name("sqlite_path")] = str(settings.sqlite_path)
    os.environ[config.env_name("es_alias")] = settings.es_alias
    print(f"index: {settings.describe_index()}", file=sys.stderr)
    if settings.backend == "sqlite" and not settings.sqlite_path.exists():
        print(
            f"note: {settings.sqlite_path} does not exist yet; the index is empty "
            f"(set TRIALDEX_HOME or --path to serve an existing one)",
            file=sys.stderr,
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    address = f"http://{shown}:{args.port}"
    print(f"Trialdex search page: {address}/   API: {address}/v1/trials   docs: {address}/docs")
    sys.stdout.flush()
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
    )
    return 0
