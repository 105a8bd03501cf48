"""`trialdex sample-site`: serve the generated listing site (for the demo and manual crawls)."""

from __future__ import annotations

import argparse
import time
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "sample-site",
        help="serve a generated trial listing site on loopback",
        description=(
            "Generated trial pages in three layouts, condition listings with pagination, "
            "robots.txt, sitemap.xml, ETag/Last-Modified, and real-site failure modes "
            "(a transient 503, a 429 with Retry-After, a slow, a malformed, a redirected "
            "and a disallowed page). Crawl it with: trialdex crawl listing --start-url URL"
        ),
    )
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    p.add_argument("--trials", type=int, default=60, help="number of trial pages")
    p.add_argument("--seed", type=int, default=0, help="content seed")
    p.add_argument("--layout-version", type=int, default=1, help="2 simulates a site redesign")
    p.add_argument("--no-failures", action="store_true", help="serve every page cleanly")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from devtools.sample_site import SampleSite

    site = SampleSite(
        root_seed=args.seed,
        n_trials=args.trials,
        layout_version=args.layout_version,
        failures=not args.no_failures,
        port=args.port,
    )
    base = site.start()
    print(f"serving {args.trials} trials at {base}", flush=True)
    print(f"  start URL: {site.listing_url(site.conditions[0])}", flush=True)
    print(f"  sitemap:   {site.sitemap_url()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        site.stop()
