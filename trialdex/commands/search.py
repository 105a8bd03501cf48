"""`trialdex search "text"`: query the index from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core import config


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "search",
        help="search the index: free text, --filter facet=value, --near LAT,LON --radius 50mi",
    )
    p.add_argument("q", nargs="?", default=None, help="free text (never query syntax)")
    p.add_argument(
        "--filter",
        "-f",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="facet filter (repeat; same name = OR), or start_date_from=2020, min_age=18, "
        "has_results=true ...",
    )
    p.add_argument("--near", metavar="LAT,LON")
    p.add_argument("--radius", metavar="DISTANCE", help="e.g. 50mi, 80km")
    p.add_argument("--sort", choices=["relevance", "start_date", "distance"])
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--cursor", help="next_cursor from a previous page")
    p.add_argument("--facets", help="comma-separated facets to count (default all)")
    p.add_argument(
        "--suggest", metavar="FIELD", help="autocomplete q in condition|intervention|sponsor"
    )
    p.add_argument("--json", action="store_true", help="print the SearchResponse as JSON")
    p.add_argument("--backend", choices=["es", "sqlite"])
    p.add_argument(
        "--path", type=Path, help="SQLite file (default TRIALDEX_SQLITE or in TRIALDEX_HOME)"
    )
    p.add_argument("--url", help="Elasticsearch URL (default $ELASTICSEARCH_URL)")
    p.add_argument("--alias", help="Elasticsearch alias (default TRIALDEX_ES_ALIAS or trials)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from index.errors import SearchRequestError
    from index.factory import open_configured
    from index.query_params import parse_params

    params: list[tuple[str, str]] = []
    for item in args.filter:
        name, sep, value = item.partition("=")
        if not sep:
            raise SearchRequestError(f"--filter {item!r}: expected NAME=VALUE")
        params.append((name.strip(), value.strip()))
    for key, value in [
        ("q", args.q),
        ("near", args.near),
        ("radius_km", args.radius),
        ("sort", args.sort),
        ("size", str(args.size)),
        ("cursor", args.cursor),
        ("facets", args.facets),
    ]:
        if value is not None:
            params.append((key, value))
    # Checked before the backend opens: the same rules and messages as the API's.
    request = None if args.suggest else parse_params(params)
    backend = open_configured(settings_of(args))
    try:
        if request is None:
            for value in backend.suggest(args.suggest, args.q or "", args.size):
                print(value)
            return 0
        response = backend.search(request)
    finally:
        backend.close()
    if args.json:
        print(response.model_dump_json(indent=2, by_alias=True))
        return 0
    out = sys.stdout
    print(f"{response.total:,} trials ({response.backend}, {response.took_ms} ms)", file=out)
    for hit in response.hits:
        where = ""
        if hit.distance_km is not None and hit.nearest_site is not None:
            site = hit.nearest_site
            place = ", ".join(p for p in (site.city, site.state, site.country) if p)
            where = f"  [{hit.distance_km:.1f} km: {place}]"
        print(f"{hit.record.id}  {hit.record.title}{where}", file=out)
    for facet in response.facets:
        if facet.values:
            shown = ", ".join(
                f"{'*' if v.selected else ''}{v.value} ({v.count})" for v in facet.values[:6]
            )
            more = " ..." if facet.truncated or len(facet.values) > 6 else ""
            print(f"  {facet.name}: {shown}{more}", file=out)
    if response.facets_timed_out:
        print(f"  facets timed out: {', '.join(response.facets_timed_out)}", file=out)
    if response.next_cursor:
        print(f"next page: --cursor {json.dumps(response.next_cursor)}", file=out)
    return 0


def settings_of(args: argparse.Namespace) -> config.Config:
    """`core.config` with this command's ``--backend``, ``--url``, ``--path``, ``--alias``."""
    return config.load(
        {
            "backend": args.backend,
            "elasticsearch_url": args.url,
            "sqlite_path": args.path,
            "es_alias": args.alias,
        }
    )
