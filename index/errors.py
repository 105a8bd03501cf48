"""Errors of the search side; all are `TrialdexError`s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parsers.errors import ServiceError, TrialdexError

if TYPE_CHECKING:
    from index.backend import IndexReport


class SearchRequestError(TrialdexError):
    """A search request the caller can fix: bad filter value, bad cursor, bad radius.

    The API answers these with a 4xx status; ``problems`` lists each one.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems) or "invalid search request")


class IndexingInterrupted(ServiceError):
    """The search service went away in the middle of an indexing run.

    ``report`` holds what was done before; indexing is an upsert by id, so
    running the same input again completes it without duplicates.
    """

    def __init__(self, message: str, report: IndexReport) -> None:
        self.report = report
        super().__init__(message)
