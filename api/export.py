"""Streamed exports of a whole result set: CSV and JSON lines.

Pages are fetched one at a time with the search cursor and written out as
they arrive, so memory stays bounded by one page whatever the result size.
The CSV columns are derived from `TrialRecord` (one column per scalar field,
nested objects flattened with dotted names, lists joined), never listed by
hand. CSV cells that a spreadsheet would run as a formula are neutralised
(`neutralise`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel

from index.backend import SearchBackend
from index.fields import unwrap_annotation
from index.search_models import MAX_PAGE_SIZE, SearchRequest
from parsers.records import TrialRecord

# Exports stop here even when more trials match; the response says so in a header.
MAX_EXPORT_ROWS = 100_000
LIST_SEPARATOR = "; "
PART_SEPARATOR = ", "
# A spreadsheet reads a cell starting with one of these as a formula (tab and
# carriage return are stripped first by some), so a record title such as
# '=HYPERLINK(...)' would run when the export is opened. OWASP's CSV injection
# advice: prefix such a cell with a single quote, which makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


@cache
def csv_columns() -> tuple[tuple[str, ...], ...]:
    """Column paths (tuples of contract keys) in record order.

    A single nested object is flattened (``sponsor.name``); a list of objects
    is one column whose cells list each item's parts.
    """

    def walk(model: type[BaseModel], prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        columns: list[tuple[str, ...]] = []
        for name, info in model.model_fields.items():
            path = (*prefix, info.alias or name)
            inner, many = unwrap_annotation(info.annotation)
            if _is_model(inner) and not many and inner.__name__ != "GeoPoint":
                columns.extend(walk(inner, path))
            else:
                columns.append(path)
        return columns

    return tuple(walk(TrialRecord, ()))


def csv_header() -> list[str]:
    return [".".join(path) for path in csv_columns()]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if set(value) == {"lat", "lon"}:
            return f"{value['lat']},{value['lon']}"
        parts = [_cell(v) for v in value.values()]
        return PART_SEPARATOR.join(p for p in parts if p)
    if isinstance(value, list):
        return LIST_SEPARATOR.join(c for c in (_cell(v) for v in value) if c)
    return str(value)


def csv_row(record: TrialRecord) -> list[str]:
    data = record.to_dict()
    row = []
    for path in csv_columns():
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        row.append(neutralise(_cell(value)))
    return row


def neutralise(cell: str) -> str:
    """``cell`` prefixed with ``'`` when a spreadsheet would read it as a formula.

    Every such cell is quoted, negative numbers and southern coordinates
    ("-33.9,151.2") included: telling a harmless number from "-1+cmd|..."
    is the kind of parsing the rule exists to avoid."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def iter_records(
    backend: SearchBackend, request: SearchRequest, limit: int = MAX_EXPORT_ROWS
) -> Iterator[TrialRecord]:
    """Every matching record (up to ``limit``), page by page through cursors."""
    page = request.model_copy(update={"size": MAX_PAGE_SIZE, "facets": [], "cursor": None})
    sent = 0
    while sent < limit:
        response = backend.search(page)
        for hit in response.hits:
            if sent >= limit:
                return
            yield hit.record
            sent += 1
        if not response.next_cursor or not response.hits:
            return
        page = page.model_copy(update={"cursor": response.next_cursor})


def iter_csv(records: Iterator[TrialRecord]) -> Iterator[str]:
    """CSV text in chunks of about a page, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_header())
    for count, record in enumerate(records, start=1):
        writer.writerow(csv_row(record))
        if count % 100 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def iter_jsonl(records: Iterator[TrialRecord]) -> Iterator[str]:
    chunk: list[str] = []
    for record in records:
        chunk.append(record.to_json())
        if len(chunk) == 100:
            yield "\n".join(chunk) + "\n"
            chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
