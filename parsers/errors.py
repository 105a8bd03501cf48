"""Errors raised by Trialdex.

One base class, a few named subclasses. Library errors (pydantic, lxml, json,
elasticsearch) are translated at the boundary with ``raise ... from`` so a
caller handles Trialdex errors only, and every message names the input and
the reason.
"""

from __future__ import annotations


class TrialdexError(Exception):
    """Base of every error Trialdex raises on purpose."""


class ParseError(TrialdexError):
    """A raw page or registry record could not be turned into a record.

    ``origin`` names the input (file path, URL or record id); ``reason`` is a
    short, human sentence.
    """

    def __init__(self, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(f"{origin}: {reason}")


class RecordValidationError(ParseError):
    """Data does not fit the `TrialRecord` contract; ``problems`` lists each field."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(origin, "; ".join(problems) or "invalid record")


class ConfigurationError(TrialdexError):
    """A setting is missing or invalid."""


class ServiceError(TrialdexError):
    """An external service (Elasticsearch, a crawled site) failed or is unreachable."""
