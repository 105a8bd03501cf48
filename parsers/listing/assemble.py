"""What every record from a listing site carries, whichever page it was read from.

A record is built as plain data in the contract's field names and validated
once, so a value the contract refuses is a `RecordValidationError` naming the
field (``eligibility.min_age_years: …``), never a half-built record. Its
``source`` names the listing parser and its version, the page URL, the sha256
of the page bytes, when the page was fetched, and the parse warnings in the
order they arose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from parsers.errors import RecordValidationError
from parsers.listing.labels import Facts, badge_flags
from parsers.records import TrialRecord, describe_validation_error

PARSER_VERSION = "listing-1"


def validated(data: dict[str, Any], origin: str) -> TrialRecord:
    try:
        return TrialRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(origin, describe_validation_error(exc)) from exc


def source(
    body: bytes, url: str, fetched_at: datetime | None, warnings: Iterable[str]
) -> dict[str, Any]:
    return {
        "name": "listing",
        "url": url,
        "fetched_at": fetched_at,
        "content_sha256": hashlib.sha256(body).hexdigest(),
        "parser_version": PARSER_VERSION,
        "warnings": list(warnings),
    }


def flags(badges: Iterable[str]) -> dict[str, Any]:
    return asdict(badge_flags(badges))


def fact_fields(facts: Facts) -> dict[str, Any]:
    """The record fields `Facts` fill (eligibility without its criteria lists)."""
    return {
        "status": facts.status,
        "phases": list(facts.phases),
        "enrollment": {"count": facts.enrollment},
        "eligibility": {
            "min_age_years": facts.min_age_years,
            "max_age_years": facts.max_age_years,
            "sex": facts.sex,
            "required_medications": list(facts.required_medications),
        },
    }
