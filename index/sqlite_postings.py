"""Facet postings as bitmaps, for fast multi-select facet counts on SQLite.

Counting facet values over a candidate set with SQL costs one B-tree seek per
candidate and facet row; at 100,000 trials that is hundreds of milliseconds.
Here every facet value's trials are one Python integer used as a bitmap (bit
``rid`` set), so a count is ``(candidates & value).bit_count()``: a few
microseconds per value. The bitmaps are built from the ``facets`` table on
first use and rebuilt after the index changes (see ``meta.generation``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Bit positions set in each byte value, for turning a bitmap into row ids.
_BITS = [tuple(i for i in range(8) if b >> i & 1) for b in range(256)]


def bitmap(rids: Iterable[int], size: int) -> int:
    """A bitmap with the bits of ``rids`` set (``size`` = max rid + 1)."""
    buf = bytearray((size + 7) // 8)
    for rid in rids:
        buf[rid >> 3] |= 1 << (rid & 7)
    return int.from_bytes(buf, "little")


def positions(bits: int) -> list[int]:
    """The set bits of a bitmap, ascending."""
    out: list[int] = []
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for index, byte in enumerate(raw):
        if byte:
            base = index << 3
            out.extend(base + bit for bit in _BITS[byte])
    return out


class Membership:
    """O(1) "is rid in this bitmap" (shifting a big integer is O(size))."""

    def __init__(self, bits: int) -> None:
        self.raw = bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little")

    def __contains__(self, rid: int) -> bool:
        index = rid >> 3
        return index < len(self.raw) and bool(self.raw[index] >> (rid & 7) & 1)


class FacetPostings:
    """Bitmaps of every facet value and of all trials, as of one generation."""

    def __init__(self, conn: sqlite3.Connection, generation: str) -> None:
        self.generation = generation
        self.size = int(conn.execute("SELECT coalesce(max(rid), 0) + 1 FROM trials").fetchone()[0])
        width = (self.size + 7) // 8
        buffers: dict[str, dict[str, bytearray]] = {}
        for facet, value, rid in conn.execute("SELECT facet, value, rid FROM facets"):
            values = buffers.setdefault(facet, {})
            buf = values.get(value)
            if buf is None:
                buf = values[value] = bytearray(width)
            buf[rid >> 3] |= 1 << (rid & 7)
        self.values: dict[str, dict[str, int]] = {
            facet: {value: int.from_bytes(buf, "little") for value, buf in values.items()}
            for facet, values in buffers.items()
        }
        self.all = bitmap((r for (r,) in conn.execute("SELECT rid FROM trials")), self.size)

    def selection(self, facet: str, values: Iterable[str]) -> int:
        """Trials with any of ``values`` for ``facet``."""
        known = self.values.get(facet, {})
        bits = 0
        for value in values:
            bits |= known.get(value, 0)
        return bits

    def counts(self, facet: str, candidates: int) -> list[tuple[str, int]]:
        """(value, trials among ``candidates``) for every value present."""
        out = []
        for value, bits in self.values.get(facet, {}).items():
            n = (bits & candidates).bit_count()
            if n:
                out.append((value, n))
        return out
