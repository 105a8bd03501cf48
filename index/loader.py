"""Index JSON-lines record files into a backend: the function behind `trialdex index`
and the DAGs' index task.

A bad line (not UTF-8, not JSON, or not a valid record) is reported as a failure
naming the file and line, and the run goes on: one damaged line never costs the
records around it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.backend import IndexFailure, IndexReport, Progress, SearchBackend
from parsers.errors import RecordValidationError
from parsers.records import TrialRecord, validate_record


def record_files_in(directory: Path) -> list[Path]:
    """The ``*.jsonl`` files directly in ``directory``, sorted by name (so a rerun indexes
    them in the same order)."""
    return sorted(p for p in directory.glob("*.jsonl") if p.is_file())


def read_record_files(paths: Iterable[Path], failures: list[IndexFailure]) -> Iterator[TrialRecord]:
    """Valid records from JSON-lines files; bad lines go to ``failures`` as ``file:line``.

    Files are read as bytes and each line decoded on its own, so invalid UTF-8 is a
    failure of its line rather than an exception that would end the whole run (and,
    raised from inside a backend's batching, lose the batch in progress).
    """
    for path in paths:
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                origin = f"{path}:{lineno}"
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    failures.append(
                        IndexFailure(origin, f"not UTF-8: {exc.reason} at byte {exc.start}")
                    )
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    failures.append(IndexFailure(origin, f"not JSON: {exc.msg}"))
                    continue
                # Valid JSON can still defeat the decoder: nesting deeper than the
                # recursion limit, or an integer longer than Python converts.
                except (RecursionError, ValueError) as exc:
                    failures.append(IndexFailure(origin, f"not JSON: {type(exc).__name__}"))
                    continue
                try:
                    record = validate_record(data, origin=origin)
                except RecordValidationError as exc:
                    failures.append(IndexFailure(origin, exc.reason))
                    continue
                yield record


def index_files(
    backend: SearchBackend,
    paths: Iterable[Path],
    *,
    migrate: bool = False,
    failures_path: Path | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Upsert every valid record of ``paths`` (or, with ``migrate``, build a fresh index
    from them alone and swap it in: `SearchBackend.rebuild`). Failures are appended to
    ``failures_path`` as JSON lines when given."""
    bad_lines: list[IndexFailure] = []
    files = list(paths)
    backend.setup()
    if migrate:
        report = backend.rebuild(lambda: read_record_files(files, bad_lines), progress=progress)
    else:
        report = backend.index_records(read_record_files(files, bad_lines), progress=progress)
    report.failures[:0] = bad_lines
    if failures_path is not None:
        report.write_failures(failures_path)
    return report
