"""Opaque page cursors: base64url of a small JSON array, validated on the way back in.

A cursor names the backend and the sort it was made for, so a cursor from
another query shape is refused with a clear error instead of giving a
wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from index.errors import SearchRequestError

# 2: Elasticsearch distance cursors hold metres (they held kilometres in 1).
_VERSION = 2
# Sort values are scores, dates, distances and ids: 64-bit numbers and short
# strings. Anything outside that was forged, and would overflow SQLite's
# integers or Elasticsearch's longs further down instead of failing here.
_MAX_INT = 2**63 - 1
_MAX_STRING = 1000


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
    if not (isinstance(made_by, str) and isinstance(made_for, str)):
        raise SearchRequestError(f"cursor {cursor[:40]!r}: not a cursor from this API")
    if made_by != backend:
        raise SearchRequestError(f"cursor was made by the {made_by[:40]} backend, not {backend}")
    if made_for != sort:
        raise SearchRequestError(f"cursor was made for sort={made_for[:40]}, not sort={sort}")
    # The shape is checked before the items are looked at: a forged cursor may
    # hold a number, null or an object where the list of values belongs.
    if not isinstance(values, list) or len(values) != length:
        raise SearchRequestError("cursor does not fit this query; start from the first page")
    if not all(_sort_value(v) for v in values):
        raise SearchRequestError("cursor does not fit this query; start from the first page")
    return values


def _sort_value(value: Any) -> bool:
    """Whether ``value`` can be a sort value: null, an integer within 64 bits, a
    float other than NaN, or a string of at most `_MAX_STRING` characters
    (booleans are not)."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_MAX_INT - 1 <= value <= _MAX_INT
    if isinstance(value, float):
        # Infinity is kept: Elasticsearch sorts a trial without coordinates
        # at an infinite distance, and its cursor carries that value.
        return not math.isnan(value)
    return isinstance(value, str) and len(value) <= _MAX_STRING
