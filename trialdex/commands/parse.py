"""`trialdex parse FILE...`: raw pages or registry files in, one record per line out.

The source is detected per file unless ``--source`` names it. A listing page
needs its URL (the record id is built from it): ``--url``, else a ``<file>.url``
or ``url.txt`` file next to it, else ``file://<absolute path>``. A file that
cannot be parsed gets one line on stderr and the others are still parsed; the
exit status is 1 when any file failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

SOURCE_CHOICES = ("listing", "listing-cards", "ctgov-json", "ctgov-xml")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "parse", help="parse raw pages / registry files and print records as JSON lines"
    )
    p.add_argument("files", nargs="+", metavar="FILE", type=Path)
    p.add_argument(
        "--source", choices=SOURCE_CHOICES, help="parser to use (default: detect per file)"
    )
    p.add_argument("--url", help="page URL for every FILE (default: FILE.url, url.txt, file://)")
    p.set_defaults(func=run)


def page_url(path: Path, given: str | None = None) -> str:
    """The URL a local file was fetched from, as far as we can tell."""
    if given:
        return given
    for candidate in (path.with_name(path.name + ".url"), path.with_name("url.txt")):
        try:
            text = candidate.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text:
            return text.splitlines()[0].strip()
    return path.resolve().as_uri()


def _read(path: Path, limit: int) -> bytes:
    from parsers.errors import ParseError

    try:
        size = path.stat().st_size
        if size > limit:
            raise ParseError(str(path), f"page too large: {size:,} bytes (limit {limit:,})")
        return path.read_bytes()
    except FileNotFoundError:
        raise ParseError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ParseError(str(path), "is a directory") from None
    except OSError as exc:
        raise ParseError(str(path), f"cannot read: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from parsers.detect import parse_any
    from parsers.errors import ParseError
    from parsers.listing_dom import MAX_PAGE_BYTES

    failed = 0
    out = sys.stdout
    for path in args.files:
        try:
            body = _read(path, MAX_PAGE_BYTES)
            records = parse_any(body, page_url(path, args.url), args.source)
        except ParseError as exc:
            failed += 1
            reason = " ".join(exc.reason.split())
            print(f"trialdex parse: {path}: {reason}", file=sys.stderr, flush=True)
            continue
        for record in records:
            out.write(record.to_json())
            out.write("\n")
        out.flush()
    return 1 if failed else 0
