"""How much of each source an index holds: the numbers a rebuilt index is judged by.

For every value of ``source.name``, `SourceCoverage` gives the number of
records and, per field of `COVERAGE_FIELDS`, how many of them have it. A
record has a field when a value at one of the field's paths is truthy: not
null and not an empty string, list or object, nor zero. So a list of sites or
a stated site count means "has sites", and inclusion or exclusion criteria
mean "has criteria". These are the meanings of `pipeline.quality`'s key fields
(plus the status); the contract tests hold both backends to them, so the live
index's numbers can be set against those of the records that would replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

SOURCE_PATH = "source.name"

T = TypeVar("T")

# Field name -> the contract paths that, any of them truthy, mean the record has it.
COVERAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "status": ("status",),
    "phases": ("phases",),
    "sponsor": ("sponsor.name",),
    "criteria": ("eligibility.inclusion", "eligibility.exclusion"),
    "sites": ("sites", "site_count"),
}


@dataclass(frozen=True, slots=True)
class SourceCoverage:
    """Records of one source, and per coverage field how many have it."""

    records: int = 0
    have: dict[str, int] = field(default_factory=dict)

    def share(self, name: str) -> float:
        """The fraction (0..1) of the records that have field ``name``; 0 with no records."""
        return self.have.get(name, 0) / self.records if self.records else 0.0

    def plus(self, other: SourceCoverage) -> SourceCoverage:
        names = self.have.keys() | other.have.keys()
        return SourceCoverage(
            self.records + other.records,
            {n: self.have.get(n, 0) + other.have.get(n, 0) for n in sorted(names)},
        )

    def to_dict(self) -> dict[str, Any]:
        """Counts and shares, as JSON reports and XCom carry them."""
        return {
            "records": self.records,
            "have": dict(self.have),
            "coverage": {name: round(self.share(name), 4) for name in self.have},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceCoverage:
        return cls(int(data["records"]), {k: int(v) for k, v in data["have"].items()})


def _value_at(document: Mapping[str, Any], path: str) -> Any:
    # No coverage path goes through a list, so a walk down objects reaches the value.
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def has_field(document: Mapping[str, Any], name: str) -> bool:
    """Whether a record dict (the contract's JSON) has coverage field ``name``."""
    return any(bool(_value_at(document, path)) for path in COVERAGE_FIELDS[name])


def tally(
    items: Iterable[T], source: Callable[[T], str], present: Mapping[str, Callable[[T], bool]]
) -> dict[str, SourceCoverage]:
    """`SourceCoverage` per ``source(item)``, counting the fields ``present`` tells apart."""
    records: dict[str, int] = {}
    have: dict[str, dict[str, int]] = {}
    for item in items:
        name = source(item)
        records[name] = records.get(name, 0) + 1
        counts = have.setdefault(name, dict.fromkeys(present, 0))
        for field_name, test in present.items():
            counts[field_name] += test(item)
    return {name: SourceCoverage(n, have[name]) for name, n in sorted(records.items())}


def tally_documents(documents: Iterable[Mapping[str, Any]]) -> dict[str, SourceCoverage]:
    """`tally` of record dicts (whole, or holding at least ``source.name`` and the
    coverage paths)."""
    tests = {name: partial(has_field, name=name) for name in COVERAGE_FIELDS}
    return tally(documents, lambda d: str(d["source"]["name"]), tests)
