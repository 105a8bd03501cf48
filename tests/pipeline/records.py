"""Small trial records for pipeline tests."""

from __future__ import annotations

from parsers.records import TrialRecord


def record(n: int, *, full: bool = True, source: str = "listing") -> TrialRecord:
    data: dict = {
        "id": f"{source}:test:{n}",
        "source": {"name": source, "parser_version": "test"},
        "title": f"Trial number {n}",
    }
    if full:
        data.update(
            phases=["PHASE2"],
            sponsor={"name": "Example Sponsor"},
            eligibility={"inclusion": ["adults"], "exclusion": ["pregnancy"]},
            sites=[{"city": "Boston", "country": "United States"}],
        )
    return TrialRecord.model_validate(data)
