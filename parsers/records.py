"""The trial record: the one schema every part of Trialdex derives from.

`TrialRecord` is the public contract of ``shared/design/record.md``. The same
model is the Scrapy item, the payload between DAG tasks (as JSON-lines files),
the source of the Elasticsearch mapping (``index.mapping``) and the API
response model. Field names are the contract: add fields, never rename.

Each leaf field carries an :class:`IndexAs` marker in its ``Annotated``
metadata. The marker says how search treats it (full text, exact keyword,
date, ...; the facet it is offered as, its weight in free text, whether hits
highlight it); the index mapping, the SQLite tables, the boosted and
highlighted fields are generated from these markers, so there is no second
field list to keep in step (the two tables that order facets and boosts are
checked against them).

Unknown is not "no": a field the source does not state is ``None`` or ``[]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from parsers.errors import RecordValidationError

SCHEMA_VERSION = "1"


@dataclass(frozen=True, slots=True)
class IndexAs:
    """How a field is searched.

    kind:
      ``text``     analysed full text (with a ``.keyword`` sub-field when
                   ``facet`` is true);
      ``keyword``  exact values: ids, enums, facets;
      ``date``     partial ISO dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``);
      ``number``   int or float, from the Python type;
      ``boolean``;
      ``geo_point``;
      ``stored``   kept in the document, not searchable.
    facet: the name of the facet the field is offered as (a filter parameter and
      value counts); every facet name is also in ``index.search_models.FACETS``,
      which orders them.
    exact_values: exact values are kept ready for aggregation (a ``text``
      field's ``.keyword`` sub-field) though no facet offers them; a facet
      implies it.
    suggest: the field (a facet) feeds autocomplete suggestions.
    boost: free text searches the field on its own with this weight (besides
      the catch-all every text field feeds with weight 1); every boost is
      also in ``index.text.BOOSTS``, which orders them.
    highlight: search hits carry the field's matching fragments, marked.
    normalise: how a facet's values are compared: ``upper`` when the field
      stores them upper-cased, so a filter may be given in any case (enum
      values need not say so).
    """

    kind: Literal["text", "keyword", "date", "number", "boolean", "geo_point", "stored"]
    facet: str | None = None
    exact_values: bool = False
    suggest: bool = False
    boost: float | None = None
    highlight: bool = False
    normalise: Literal["upper"] | None = None

    @property
    def keeps_exact_values(self) -> bool:
        return self.exact_values or self.facet is not None


@dataclass(frozen=True, slots=True)
class NoFacets:
    """On a field holding a model used elsewhere too: the model's facets are
    offered at that other place, not here (its exact values are still kept)."""


def facet(name: str, *, normalise: Literal["upper"] | None = None) -> IndexAs:
    """An exact-value field offered as the facet ``name``."""
    return IndexAs("keyword", facet=name, normalise=normalise)


TEXT = IndexAs("text")
KEYWORD = IndexAs("keyword")
DATE = IndexAs("date")
NUMBER = IndexAs("number")
BOOLEAN = IndexAs("boolean")
STORED = IndexAs("stored")


def _clean_text(value: str) -> str:
    # Sources pad with non-breaking spaces and newlines; the contract is the text.
    return re.sub(r"\s+", " ", value).strip()


def _upper(value: str) -> str:
    return _clean_text(value).upper()


_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _partial_date(value: str) -> str:
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"expected an ISO date YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    return value


CleanStr = Annotated[str, AfterValidator(_clean_text)]
UpperStr = Annotated[str, AfterValidator(_upper)]
PartialDate = Annotated[str, AfterValidator(_partial_date)]


class TrialStatus(StrEnum):
    """ClinicalTrials.gov overall status vocabulary."""

    RECRUITING = "RECRUITING"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    COMPLETED = "COMPLETED"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    WITHDRAWN = "WITHDRAWN"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"
    WITHHELD = "WITHHELD"
    UNKNOWN = "UNKNOWN"


class Phase(StrEnum):
    EARLY_PHASE1 = "EARLY_PHASE1"
    PHASE1 = "PHASE1"
    PHASE2 = "PHASE2"
    PHASE3 = "PHASE3"
    PHASE4 = "PHASE4"
    NA = "NA"


class StudyType(StrEnum):
    INTERVENTIONAL = "INTERVENTIONAL"
    OBSERVATIONAL = "OBSERVATIONAL"
    EXPANDED_ACCESS = "EXPANDED_ACCESS"


class Sex(StrEnum):
    ALL = "ALL"
    FEMALE = "FEMALE"
    MALE = "MALE"


class EnrollmentType(StrEnum):
    ESTIMATED = "ESTIMATED"
    ACTUAL = "ACTUAL"


class ReferenceType(StrEnum):
    BACKGROUND = "BACKGROUND"
    RESULT = "RESULT"
    DERIVED = "DERIVED"


class _Model(BaseModel):
    """Shared configuration: unknown keys are errors, JSON uses the contract names."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        validate_assignment=True,
        use_enum_values=False,
    )


class SourceInfo(_Model):
    name: Annotated[str, facet("source")] = Field(
        description="Source name, e.g. `ctgov`, `listing`."
    )
    url: Annotated[str | None, KEYWORD] = Field(default=None, description="Page or API URL.")
    fetched_at: Annotated[datetime | None, DATE] = Field(
        default=None, description="When the raw page was fetched (ISO 8601)."
    )
    content_sha256: Annotated[str | None, KEYWORD] = Field(
        default=None, description="sha256 of the raw page bytes."
    )
    parser_version: Annotated[str, KEYWORD] = Field(description="Version of the parser.")
    warnings: Annotated[list[str], STORED] = Field(
        default_factory=list,
        description="Parse warnings: things the parser read but could not decode.",
    )


class Intervention(_Model):
    name: Annotated[CleanStr, IndexAs("text", facet="intervention", suggest=True, boost=3.0)]
    type: Annotated[UpperStr | None, facet("intervention_type", normalise="upper")] = Field(
        default=None, description="DRUG, BIOLOGICAL, DEVICE, PROCEDURE, RADIATION, ..."
    )
    description: Annotated[str | None, TEXT] = None


class Arm(_Model):
    label: Annotated[CleanStr, TEXT]
    type: Annotated[UpperStr | None, KEYWORD] = Field(
        default=None, description="EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, ..."
    )
    description: Annotated[str | None, TEXT] = None
    interventions: Annotated[list[CleanStr], KEYWORD] = Field(default_factory=list)


class Organization(_Model):
    name: Annotated[CleanStr, IndexAs("text", facet="sponsor", suggest=True)]
    class_: Annotated[UpperStr | None, facet("sponsor_class", normalise="upper")] = Field(
        default=None, alias="class", description="INDUSTRY, NIH, FED, OTHER, ..."
    )


class Investigator(_Model):
    name: Annotated[CleanStr, TEXT] = Field(description="Name without degrees.")
    degrees: Annotated[list[str], KEYWORD] = Field(default_factory=list)
    role: Annotated[str | None, KEYWORD] = None
    affiliation: Annotated[str | None, TEXT] = None


class SponsorStats(_Model):
    trials: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    recruited: Annotated[int | None, NUMBER] = Field(
        default=None, ge=0, description="Lower bound: '602,000+' is 602000."
    )


class Eligibility(_Model):
    summary: Annotated[str | None, TEXT] = None
    min_age_years: Annotated[float | None, NUMBER] = Field(default=None, ge=0, le=150)
    max_age_years: Annotated[float | None, NUMBER] = Field(default=None, ge=0, le=150)
    sex: Annotated[Sex | None, facet("sex")] = None
    healthy_volunteers: Annotated[bool | None, BOOLEAN] = None
    inclusion: Annotated[list[str], TEXT] = Field(default_factory=list)
    exclusion: Annotated[list[str], TEXT] = Field(default_factory=list)
    inclusion_total: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    exclusion_total: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    required_medications: Annotated[list[CleanStr], KEYWORD] = Field(default_factory=list)


class Enrollment(_Model):
    count: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    type: Annotated[EnrollmentType | None, KEYWORD] = None


class GeoPoint(_Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Site(_Model):
    facility: Annotated[str | None, TEXT] = None
    city: Annotated[str | None, facet("city")] = None
    state: Annotated[str | None, facet("state")] = None
    postal_code: Annotated[str | None, KEYWORD] = None
    country: Annotated[str | None, facet("country")] = None
    status: Annotated[UpperStr | None, KEYWORD] = None
    geo: Annotated[GeoPoint | None, IndexAs("geo_point")] = None


class TimelineStage(_Model):
    stage: Annotated[CleanStr, KEYWORD]
    description: Annotated[str | None, TEXT] = None
    min_days: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    max_days: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    text: Annotated[str | None, STORED] = Field(default=None, description="As written.")


class Flags(_Model):
    placebo: Annotated[bool | None, BOOLEAN] = None
    prior_safety_data: Annotated[bool | None, BOOLEAN] = None
    approved_jurisdictions: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    badges: Annotated[list[CleanStr], IndexAs("keyword", exact_values=True)] = Field(
        default_factory=list, description="Badges as shown, e.g. 'Pivotal Trial'."
    )


class Dates(_Model):
    start: Annotated[PartialDate | None, DATE] = None
    primary_completion: Annotated[PartialDate | None, DATE] = None
    completion: Annotated[PartialDate | None, DATE] = None
    first_posted: Annotated[PartialDate | None, DATE] = None
    last_update_posted: Annotated[PartialDate | None, DATE] = None


class QA(_Model):
    question: Annotated[CleanStr, TEXT]
    answer: Annotated[str, TEXT] = Field(description="Text without citation markers.")
    citations: Annotated[list[int], NUMBER] = Field(default_factory=list)


class Finding(_Model):
    text: Annotated[str, TEXT]
    title: Annotated[str | None, TEXT] = None
    authors: Annotated[str | None, STORED] = None
    year: Annotated[int | None, NUMBER] = Field(default=None, ge=1800, le=2200)


class Reference(_Model):
    number: Annotated[int, NUMBER] = Field(ge=1, description="1-based, as cited.")
    title: Annotated[str | None, TEXT] = None
    year: Annotated[int | None, NUMBER] = Field(default=None, ge=1800, le=2200)
    pmid: Annotated[str | None, KEYWORD] = None
    doi: Annotated[str | None, KEYWORD] = None
    type: Annotated[ReferenceType | None, KEYWORD] = None
    source: Annotated[str | None, KEYWORD] = None
    url: Annotated[str | None, STORED] = None


class TrialRecord(_Model):
    """One clinical trial, from any source (the contract in record.md)."""

    model_config = ConfigDict(
        title="TrialRecord",
        json_schema_extra={"$comment": f"Trialdex record schema version {SCHEMA_VERSION}"},
    )

    id: Annotated[str, KEYWORD] = Field(
        pattern=r"^[a-z][a-z0-9_-]*:\S+$",
        description="Stable, source-scoped: `ctgov:NCT01234567`, `listing:<site>:<slug>`.",
    )
    registry_ids: Annotated[list[UpperStr], KEYWORD] = Field(default_factory=list)
    source: SourceInfo
    title: Annotated[CleanStr, IndexAs("text", boost=8.0, highlight=True)] = Field(
        min_length=1, description="Brief / display title."
    )
    official_title: Annotated[str | None, IndexAs("text", boost=2.0)] = None
    summary: Annotated[str | None, IndexAs("text", highlight=True)] = None
    status: Annotated[TrialStatus | None, facet("status")] = None
    phases: Annotated[list[Phase], facet("phase")] = Field(default_factory=list)
    study_type: Annotated[StudyType | None, facet("study_type")] = None
    conditions: Annotated[
        list[CleanStr],
        IndexAs("text", facet="condition", suggest=True, boost=5.0, highlight=True),
    ] = Field(default_factory=list)
    keywords: Annotated[list[CleanStr], IndexAs("text", exact_values=True, boost=2.0)] = Field(
        default_factory=list
    )
    interventions: list[Intervention] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)
    sponsor: Organization | None = None
    # The sponsor is the organisation facet; collaborators are searched as text.
    collaborators: Annotated[list[Organization], NoFacets()] = Field(default_factory=list)
    investigators: list[Investigator] = Field(default_factory=list)
    sponsor_stats: SponsorStats | None = None
    eligibility: Eligibility = Field(default_factory=Eligibility)
    enrollment: Enrollment = Field(default_factory=Enrollment)
    sites: list[Site] = Field(default_factory=list)
    site_count: Annotated[int | None, NUMBER] = Field(default=None, ge=0)
    timeline: list[TimelineStage] = Field(default_factory=list)
    flags: Flags = Field(default_factory=Flags)
    dates: Dates = Field(default_factory=Dates)
    qa: list[QA] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    has_results: Annotated[bool | None, BOOLEAN] = Field(
        default=None, description="Results are posted on the registry."
    )

    def to_json(self) -> str:
        """One line of JSON in the contract's field names."""
        return self.model_dump_json(by_alias=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def validate_record(data: Any, *, origin: str = "record") -> TrialRecord:
    """Build a `TrialRecord` from plain data, or raise `RecordValidationError`.

    The error names every failing field by its dotted path and the value found
    there, e.g. ``eligibility.min_age_years: Input should be a valid number
    (got 'abc')``.
    """
    try:
        return TrialRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(origin, describe_validation_error(exc)) from exc


def describe_validation_error(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in err["loc"]) or "<record>"
        shown = repr(err.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        problems.append(f"{path}: {err['msg']} (got {shown})")
    return problems


def read_records(path: Path) -> Iterator[TrialRecord]:
    """Records from a JSON-lines file; a bad line (not UTF-8, not JSON, not a record)
    raises `RecordValidationError` naming the file and line."""
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            origin = f"{path}:{lineno}"
            try:
                data = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise RecordValidationError(
                    origin, [f"not UTF-8: {exc.reason} at byte {exc.start}"]
                ) from exc
            except json.JSONDecodeError as exc:
                raise RecordValidationError(origin, [f"not JSON: {exc.msg}"]) from exc
            yield validate_record(data, origin=origin)


def write_records(path: Path, records: Iterable[TrialRecord]) -> int:
    """Write records as JSON lines atomically (temp file + rename); returns the count."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(record.to_json())
            fh.write("\n")
            count += 1
    tmp.replace(path)
    return count


def json_schema() -> dict[str, Any]:
    """The JSON Schema of `TrialRecord` as serialised (contract field names)."""
    return TrialRecord.model_json_schema(by_alias=True, mode="serialization")
