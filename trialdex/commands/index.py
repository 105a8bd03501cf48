"""`trialdex index RECORDS.jsonl|DIR...`: load record files into the search index."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialdex.commands.search import settings_of

if TYPE_CHECKING:
    from index.backend import SearchBackend


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "index",
        help="index JSON-lines record files (Elasticsearch when ELASTICSEARCH_URL is set, "
        "else SQLite)",
        description=(
            "Upsert records by id. Bad lines and refused records are reported (and written "
            "to --failures) and the run goes on; the exit status is 1 when any failed."
        ),
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="RECORDS.jsonl|DIR",
        help="a records file, or a directory whose *.jsonl files are indexed in name order",
    )
    p.add_argument("--backend", choices=["es", "sqlite"], help="default: es if configured")
    p.add_argument(
        "--path", type=Path, help="SQLite file (default TRIALDEX_SQLITE or in TRIALDEX_HOME)"
    )
    p.add_argument("--url", help="Elasticsearch URL (default $ELASTICSEARCH_URL)")
    p.add_argument("--alias", help="Elasticsearch alias (default TRIALDEX_ES_ALIAS or trials)")
    p.add_argument("--failures", type=Path, help="append failures here as JSON lines")
    p.add_argument(
        "--migrate",
        action="store_true",
        help="build a new index from these files alone and swap it in (Elasticsearch: a new "
        "versioned index behind the alias; SQLite: a new file renamed over the old one); "
        "refused, with exit status 1, when a source of the files would lose more trials or "
        "key-field coverage than the quality thresholds allow",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --migrate: swap the new index in even when it is worse than the live one",
    )
    p.add_argument(
        "--remove-missing",
        metavar="SOURCE",
        help="afterwards delete records of SOURCE whose ids are not in these files",
    )
    p.set_defaults(func=run)


def _may_migrate(backend: SearchBackend, args: argparse.Namespace, where: str) -> bool:
    """Compare the files with the live index, per source of the files (`pipeline.rebuild_guard`);
    False, with the drops on stderr, when the swap is refused."""
    from index.loader import read_record_files
    from pipeline.quality import coverage_by_source
    from pipeline.rebuild_guard import SwapRefused, check_swap
    from pipeline.settings import GateThresholds

    backend.setup()
    new = coverage_by_source(read_record_files(args.files, []))
    try:
        comparison = check_swap(
            backend,
            new,
            GateThresholds(),
            where=where,
            force=args.force,
            force_hint="run it again with --force",
            sources=set(new),
        )
    except SwapRefused as exc:
        print(f"trialdex index: {exc}", file=sys.stderr)
        return False
    if comparison["drops"]:
        print(f"trialdex index: forced: {'; '.join(comparison['drops'])}", file=sys.stderr)
    return True


def _record_files(paths: list[Path]) -> list[Path] | None:
    """The files to index: each file as given, each directory's ``*.jsonl`` files sorted by
    name; None, with the reason on stderr, when an argument is neither or a directory holds
    no such file (an empty run would look like success)."""
    from index.loader import record_files_in

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = record_files_in(path)
            if not found:
                print(f"trialdex index: {path}: directory holds no *.jsonl files", file=sys.stderr)
                return None
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            print(f"trialdex index: {path}: no such file or directory", file=sys.stderr)
            return None
    return files


def run(args: argparse.Namespace) -> int:
    from index.factory import open_configured
    from index.loader import index_files, read_record_files
    from index.reconcile import remove_missing

    files = _record_files(args.files)
    if files is None:
        return 2
    args.files = files
    if args.force and not args.migrate:
        print("trialdex index: --force applies to --migrate only", file=sys.stderr)
        return 2
    settings = settings_of(args)
    backend = open_configured(settings)
    if args.migrate and not _may_migrate(backend, args, settings.describe_index()):
        backend.close()
        return 1
    started = time.monotonic()
    tty = sys.stderr.isatty()

    def progress(done: int) -> None:
        if tty:
            rate = done / max(time.monotonic() - started, 1e-6)
            print(f"\r{done:,} records ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    try:
        report = index_files(
            backend,
            args.files,
            migrate=args.migrate,
            failures_path=args.failures,
            progress=progress,
        )
        if tty:
            print(file=sys.stderr)
        if args.remove_missing:
            present = {
                r.id
                for r in read_record_files(args.files, [])
                if r.source.name == args.remove_missing
            }
            report.deleted += remove_missing(backend, args.remove_missing, present)
    finally:
        backend.close()
    elapsed = time.monotonic() - started
    where = f" (failures in {args.failures})" if args.failures and report.failures else ""
    print(f"{backend.name}: {report.summary()} in {elapsed:.1f}s{where}")
    for failure in report.failures[:5]:
        print(f"  {failure.id}: {failure.reason}", file=sys.stderr)
    if len(report.failures) > 5:
        print(f"  ... and {len(report.failures) - 5} more", file=sys.stderr)
    return 0 if report.ok else 1
