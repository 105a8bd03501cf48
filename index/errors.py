"""Errors of the search side; all are `TrialdexError`s.

(`IndexingInterrupted` lives with the report it carries, in `index.backend`.)
"""

from __future__ import annotations

from collections.abc import Sequence

from parsers.errors import TrialdexError


class SearchRequestError(TrialdexError):
    """A search request the caller can fix: bad filter value, bad cursor, bad radius.

    The API answers these with a 4xx status; ``problems`` lists each one, and
    ``parameters`` the parameter each is about (None where nobody said).
    """

    def __init__(self, problems: list[str] | str, *, parameters: Sequence[str | None] = ()) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        named = list(parameters)[: len(self.problems)]
        self.parameters: list[str | None] = named + [None] * (len(self.problems) - len(named))
        super().__init__("; ".join(self.problems) or "invalid search request")
