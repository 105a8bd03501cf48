"""Index JSON-lines record files into a backend: the function behind `trialdex index`
and the DAGs' index task.

A bad line (not JSON, or not a valid record) is reported as a failure naming
the file and line, and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.backend import IndexFailure, IndexReport, Progress, SearchBackend
from parsers.errors import RecordValidationError
from parsers.records import TrialRecord, validate_record


def read_record_files(paths: Iterable[Path], failures: list[IndexFailure]) -> Iterator[TrialRecord]:
    """Valid records from JSON-lines files; bad lines go to ``failures``."""
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                origin = f"{path}:{lineno}"
                try:
                    yield validate_record(json.loads(line), origin=origin)
                except json.JSONDecodeError as exc:
                    failures.append(IndexFailure(origin, f"not JSON: {exc.msg}"))
                except RecordValidationError as exc:
                    failures.append(IndexFailure(origin, exc.reason))


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
