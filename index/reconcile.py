"""Remove records that disappeared from a source."""

from __future__ import annotations

from collections.abc import Iterable

from index.backend import SearchBackend


def missing_ids(backend: SearchBackend, source: str, present: Iterable[str]) -> set[str]:
    """Ids indexed for ``source`` that are not in ``present`` (this crawl's ids)."""
    return backend.ids(source) - set(present)


def remove_missing(backend: SearchBackend, source: str, present: Iterable[str]) -> int:
    """Delete the records of ``source`` that are no longer in ``present``; returns the count.

    ``present`` must be the complete set of ids the source has now: a partial
    crawl would delete live trials.
    """
    gone = missing_ids(backend, source, present)
    return backend.delete(sorted(gone)) if gone else 0
