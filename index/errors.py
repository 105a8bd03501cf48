"""Errors of the search side; all are `TrialdexError`s.

(`IndexingInterrupted` lives with the report it carries, in `index.backend`.)
"""

from __future__ import annotations

from parsers.errors import TrialdexError


class SearchRequestError(TrialdexError):
    """A search request the caller can fix: bad filter value, bad cursor, bad radius.

    The API answers these with a 4xx status; ``problems`` lists each one.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems) or "invalid search request")
