"""Opaque page cursors: base64url of a small JSON array, validated on the way back in.

A cursor names the backend and the sort it was made for, so a cursor from
another query shape is refused with a clear error instead of giving a
wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from index.errors import SearchRequestError

# 2: Elasticsearch distance cursors hold metres (they held kilometres in 1).
_VERSION = 2


def encode(backend: str, sort: str, values: list[Any]) -> str:
    raw = json.dumps([_VERSION, backend, sort, values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, backend: str, sort: str, length: int) -> list[Any]:
    """The sort values after which the next page starts."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise SearchRequestError(f"cursor {cursor[:40]!r}: not a cursor from this API") from None
    if not (isinstance(data, list) and len(data) == 4 and data[0] == _VERSION):
        raise SearchRequestError(f"cursor {cursor[:40]!r}: not a cursor from this API")
    _, made_by, made_for, values = data
    if made_by != backend:
        raise SearchRequestError(f"cursor was made by the {made_by} backend, not {backend}")
    if made_for != sort:
        raise SearchRequestError(f"cursor was made for sort={made_for}, not sort={sort}")
    ok_types = all(v is None or isinstance(v, str | int | float) for v in values)
    if not isinstance(values, list) or len(values) != length or not ok_types:
        raise SearchRequestError("cursor does not fit this query; start from the first page")
    return values
