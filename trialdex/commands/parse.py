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


def _read(path: Path, source: str | None) -> tuple[bytes, str]:
    """The file's bytes and its source (detected from the first bytes when not given)."""
    from parsers.detect import SIZE_LIMITS, detect_source
    from parsers.errors import ParseError

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(65536)
            kind = source or detect_source(head, str(path))
            limit = SIZE_LIMITS[kind]
            if size > limit:
                raise ParseError(str(path), f"file too large: {size:,} bytes (limit {limit:,})")
            return head + fh.read(), kind
    except FileNotFoundError:
        raise ParseError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ParseError(str(path), "is a directory") from None
    except OSError as exc:
        raise ParseError(str(path), f"cannot read: {exc.strerror or exc}") from None


def _report(path: Path, exc: Exception) -> None:
    from parsers.errors import ParseError

    reason = exc.reason if isinstance(exc, ParseError) else str(exc)
    origin = exc.origin if isinstance(exc, ParseError) else str(path)
    where = str(path) if origin in (str(path), "") else f"{path} ({origin})"
    print(f"trialdex parse: {where}: {' '.join(reason.split())}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from parsers.detect import parse_any
    from parsers.errors import ParseError

    failed = 0
    out = sys.stdout
    for path in args.files:
        errors: list[ParseError] = []
        try:
            body, kind = _read(path, args.source)
            url = page_url(path, args.url) if kind.startswith("listing") else str(path)
            records = parse_any(body, url, kind, errors=errors)
        except ParseError as exc:
            failed += 1
            _report(path, ParseError(str(path), exc.reason))
            continue
        for error in errors:
            failed += 1
            _report(path, error)
        for record in records:
            out.write(record.to_json())
            out.write("\n")
        out.flush()
    return 1 if failed else 0
