"""ClinicalTrials.gov -> `TrialRecord`: API v2 study JSON (here) and legacy XML (`ctgov_xml`).

Entry points (pure functions; bytes or parsed JSON in, records out):

* `parse_study_json` - one API v2 study object (``/api/v2/studies/NCT...``).
* `parse_studies_page` - one ``/api/v2/studies`` page; a bad study becomes a
  `ParseError` in the returned list and the others are still parsed.
* `parse_api_response` - a stored API v2 response of either kind, told apart
  by its URL (what the ClinicalTrials.gov source parses from its raw store).
* `parse_study_xml` - one legacy ``<clinical_study>`` document.

Values the parser reads but cannot decode (an age "about 18", an unknown
status) are left ``null`` and named in ``source.warnings``; structural damage
(not JSON, no ``protocolSection``, a list where an object belongs) raises
`ParseError` with the JSON path and the reason.

Mapping choices worth knowing:

* ``registry_ids``: the NCT id, its aliases, then every secondary id (grant
  and sponsor numbers included, as the registry lists them), upper case, no
  repeats. The sponsor's own study id is not a registry id and is left out.
* ``source.url`` is the public study page unless the caller passes ``url``.
* Free text (summary, descriptions, study population) loses the Markdown
  backslash escapes API v2 adds ("\\<" is "<"); line breaks are kept.
* Ages become years rounded to 3 decimals (months /12, weeks and days over
  365.25-day years); "N/A" or absent is ``null``.
* ``eligibility``: see `parsers.ctgov_criteria` for the splitting rules. The
  summary is the text before the first heading, else the study population
  (observational studies). Totals are the list lengths.
* Arms link interventions by name: API v2 writes "Drug: Aspirin", the type
  prefix is dropped; when an arm lists none, the interventions naming the arm
  in ``armGroupLabels`` are used.
* References: ``title`` is the citation as written, ``year`` and ``doi`` are
  read from it, ``url``/``source`` point at PubMed when there is a PMID. The
  legacy XML's plain ``<reference>`` has no type (``null``);
  ``<results_reference>`` is RESULT.
* ``site_count`` is the number of locations; ``sites`` keeps every one.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from parsers import ctgov_common as common
from parsers.ctgov_common import PARSER_VERSION
from parsers.ctgov_criteria import split_criteria, unescape_markdown
from parsers.ctgov_xml import parse_study_xml
from parsers.errors import ParseError
from parsers.records import TrialRecord

__all__ = [
    "PARSER_VERSION",
    "canonical_json",
    "parse_api_response",
    "parse_studies_page",
    "parse_study_json",
    "parse_study_xml",
]

_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def canonical_json(study: Any) -> bytes:
    """The bytes a study's ``content_sha256`` is taken over when it came inside a page."""
    return json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


_T = TypeVar("_T")


class _Reader:
    """Typed access to a JSON tree; a wrong type raises ParseError with the path."""

    __slots__ = ("origin", "warnings")

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.warnings: list[str] = []

    def fail(self, path: str, expected: type, value: Any) -> ParseError:
        got = type(value).__name__
        return ParseError(
            self.origin, f"{path}: expected {_TYPE_NAMES.get(expected, expected)}, got {got}"
        )

    def obj(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{path}.{key}", dict, value)
        return value

    def objs(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        return self._list_of(dict, parent, key, path)

    def strs(self, parent: dict[str, Any], key: str, path: str) -> list[str]:
        return [v for v in self._list_of(str, parent, key, path) if v.strip()]

    def _list_of(self, kind: type[_T], parent: dict[str, Any], key: str, path: str) -> list[_T]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", list, value)
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise self.fail(f"{path}.{key}[{index}]", kind, item)
        return value

    def text(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", str, value)
        return value.strip() or None

    def prose(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        """Free text as written, without the Markdown backslash escapes API v2 adds."""
        value = self.text(parent, key, path)
        return unescape_markdown(value) if value else value

    def flag(self, parent: dict[str, Any], key: str, path: str) -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"{path}.{key}", bool, value)

    def integer(self, parent: dict[str, Any], key: str, path: str) -> int | None:
        value = self._numeric(parent, key, path)
        return None if value is None else int(value)

    def number(self, parent: dict[str, Any], key: str, path: str) -> float | None:
        value = self._numeric(parent, key, path)
        return None if value is None else float(value)

    def _numeric(self, parent: dict[str, Any], key: str, path: str) -> int | float | None:
        value = parent.get(key)
        if value is None:
            return None
        # JSON true/false are ints to Python, never a count or a coordinate here.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParseError(self.origin, f"{path}.{key}: expected a number, got {value!r}")
        return value

    def date(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        struct = self.obj(parent, key, path)
        value = self.text(struct, "date", f"{path}.{key}")
        try:
            return common.partial_date(value)
        except ValueError:
            self.warnings.append(f"{path}.{key}.date: not a date: {value!r}")
            return None


def _load(body: bytes | str, origin: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(
            origin, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ParseError(origin, f"not UTF-8 text: {exc.reason}") from exc


def parse_study_json(
    body: bytes | dict[str, Any],
    origin: str,
    *,
    fetched_at: datetime | str | None = None,
    url: str | None = None,
) -> TrialRecord:
    """One API v2 study (raw bytes, or the already parsed object) -> `TrialRecord`.

    ``content_sha256`` is taken over the bytes given, or over `canonical_json`
    of a parsed object.
    """
    if isinstance(body, bytes | bytearray):
        raw = bytes(body)
        study = _load(raw, origin)
    else:
        study = body
        raw = canonical_json(study)
    return _study(study, origin, hashlib.sha256(raw).hexdigest(), fetched_at, url)


def parse_studies_page(
    body: bytes, origin: str, *, fetched_at: datetime | str | None = None
) -> tuple[list[TrialRecord], list[ParseError], str | None]:
    """An ``/api/v2/studies`` page -> (records, errors of single studies, nextPageToken).

    A page that is not a studies page at all raises `ParseError`.
    """
    page = _load(body, origin)
    if not isinstance(page, dict) or not isinstance(page.get("studies"), list):
        raise ParseError(origin, 'not a studies page: expected an object with a "studies" list')
    token = page.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise ParseError(origin, f"nextPageToken: expected a string, got {type(token).__name__}")
    records: list[TrialRecord] = []
    errors: list[ParseError] = []
    for index, study in enumerate(page["studies"]):
        where = f"{origin}#studies[{index}]"
        try:
            records.append(
                _study(study, where, hashlib.sha256(canonical_json(study)).hexdigest(), fetched_at)
            )
        except ParseError as exc:
            errors.append(exc)
    return records, errors, token


_STUDY_PATH = re.compile(r"/api/v2/studies/NCT\d{8}/?$")


def parse_api_response(
    body: bytes, url: str, origin: str | None = None, *, fetched_at: datetime | str | None = None
) -> tuple[list[TrialRecord], list[ParseError]]:
    """A stored API v2 response, told apart by its URL: one study (``/studies/NCT...``) or a
    page of studies. Returns (records, errors of single studies); a response that is
    neither raises `ParseError` naming ``origin`` (default: the URL)."""
    where = origin or url
    if _STUDY_PATH.search(urlsplit(url).path):
        return [parse_study_json(body, where, fetched_at=fetched_at)], []
    records, errors, _token = parse_studies_page(body, where, fetched_at=fetched_at)
    return records, errors


def _study(
    study: Any,
    origin: str,
    sha256: str,
    fetched_at: datetime | str | None,
    url: str | None = None,
) -> TrialRecord:
    if not isinstance(study, dict):
        raise ParseError(origin, f"a study must be a JSON object, got {type(study).__name__}")
    if "protocolSection" not in study:
        raise ParseError(origin, "not an API v2 study: no protocolSection")
    r = _Reader(origin)
    proto = r.obj(study, "protocolSection", "")
    p = "protocolSection"
    ident = r.obj(proto, "identificationModule", p)
    ip = f"{p}.identificationModule"
    nct = common.require_nct(ident.get("nctId"), origin, f"{ip}.nctId")
    r.origin = f"{origin} ({nct})" if nct not in origin else origin
    title = r.text(ident, "briefTitle", ip) or r.text(ident, "officialTitle", ip)
    if title is None:
        raise ParseError(r.origin, f"{ip}.briefTitle: missing; a study without a title")

    registry_ids = [nct, *r.strs(ident, "nctIdAliases", ip)]
    for i, sid in enumerate(r.objs(ident, "secondaryIdInfos", ip)):
        value = r.text(sid, "id", f"{ip}.secondaryIdInfos[{i}]")
        if value:
            registry_ids.append(value)

    status_mod = r.obj(proto, "statusModule", p)
    sp = f"{p}.statusModule"
    overall = r.text(status_mod, "overallStatus", sp)
    try:
        status = common.status(overall)
    except ValueError:
        r.warnings.append(f"{sp}.overallStatus: unknown status {overall!r}")
        status = None

    design = r.obj(proto, "designModule", p)
    dp = f"{p}.designModule"
    phases, unknown_phases = common.phases(r.strs(design, "phases", dp))
    r.warnings.extend(f"{dp}.phases: unknown phase {v!r}" for v in unknown_phases)
    study_type = r.text(design, "studyType", dp)
    if study_type is not None and study_type not in {
        "INTERVENTIONAL",
        "OBSERVATIONAL",
        "EXPANDED_ACCESS",
    }:
        r.warnings.append(f"{dp}.studyType: unknown study type {study_type!r}")
        study_type = None
    enrollment = r.obj(design, "enrollmentInfo", dp)
    enrollment_type = r.text(enrollment, "type", f"{dp}.enrollmentInfo")

    description = r.obj(proto, "descriptionModule", p)
    conditions_mod = r.obj(proto, "conditionsModule", p)
    cp = f"{p}.conditionsModule"

    record: dict[str, Any] = {
        "id": f"ctgov:{nct}",
        "registry_ids": common.unique(registry_ids),
        "source": None,  # filled last, once every warning is known
        "title": title,
        "official_title": r.text(ident, "officialTitle", ip),
        "summary": r.prose(description, "briefSummary", f"{p}.descriptionModule"),
        "status": status,
        "phases": phases,
        "study_type": study_type,
        "conditions": common.unique(r.strs(conditions_mod, "conditions", cp)),
        "keywords": common.unique(r.strs(conditions_mod, "keywords", cp)),
        "enrollment": {
            "count": r.integer(enrollment, "count", f"{dp}.enrollmentInfo"),
            "type": enrollment_type if enrollment_type in {"ESTIMATED", "ACTUAL"} else None,
        },
        "dates": {
            "start": r.date(status_mod, "startDateStruct", sp),
            "primary_completion": r.date(status_mod, "primaryCompletionDateStruct", sp),
            "completion": r.date(status_mod, "completionDateStruct", sp),
            "first_posted": r.date(status_mod, "studyFirstPostDateStruct", sp),
            "last_update_posted": r.date(status_mod, "lastUpdatePostDateStruct", sp),
        },
        "has_results": r.flag(study, "hasResults", "") if "hasResults" in study else None,
    }
    _arms_interventions(r, proto, record)
    _sponsors(r, proto, record)
    _eligibility(r, proto, record)
    _locations(r, proto, record)
    _references(r, proto, record)
    record["source"] = common.source_info(
        nct, sha256, fetched_at=fetched_at, url=url, warnings=r.warnings
    )
    return common.build_record(record, r.origin)


def _arms_interventions(r: _Reader, proto: dict[str, Any], record: dict[str, Any]) -> None:
    mod = r.obj(proto, "armsInterventionsModule", "protocolSection")
    mp = "protocolSection.armsInterventionsModule"
    interventions = []
    arms_of: dict[str, list[str]] = {}
    for i, item in enumerate(r.objs(mod, "interventions", mp)):
        path = f"{mp}.interventions[{i}]"
        name = r.text(item, "name", path)
        if name is None:
            r.warnings.append(f"{path}: intervention without a name")
            continue
        interventions.append(
            {
                "name": name,
                "type": r.text(item, "type", path),
                "description": r.prose(item, "description", path),
            }
        )
        for arm_label in r.strs(item, "armGroupLabels", path):
            arms_of.setdefault(arm_label.strip(), []).append(name)
    arms = []
    for i, item in enumerate(r.objs(mod, "armGroups", mp)):
        path = f"{mp}.armGroups[{i}]"
        label = r.text(item, "label", path)
        if label is None:
            r.warnings.append(f"{path}: arm without a label")
            continue
        linked = [
            common.strip_intervention_prefix(n) for n in r.strs(item, "interventionNames", path)
        ]
        arms.append(
            {
                "label": label,
                "type": r.text(item, "type", path),
                "description": r.prose(item, "description", path),
                "interventions": common.unique(linked or arms_of.get(label, [])),
            }
        )
    record["interventions"] = interventions
    record["arms"] = arms


def _sponsors(r: _Reader, proto: dict[str, Any], record: dict[str, Any]) -> None:
    mod = r.obj(proto, "sponsorCollaboratorsModule", "protocolSection")
    mp = "protocolSection.sponsorCollaboratorsModule"
    lead = r.obj(mod, "leadSponsor", mp)
    lead_name = r.text(lead, "name", f"{mp}.leadSponsor")
    record["sponsor"] = (
        {"name": lead_name, "class": r.text(lead, "class", f"{mp}.leadSponsor")}
        if lead_name
        else None
    )
    collaborators = []
    for i, item in enumerate(r.objs(mod, "collaborators", mp)):
        name = r.text(item, "name", f"{mp}.collaborators[{i}]")
        if name:
            collaborators.append(
                {"name": name, "class": r.text(item, "class", f"{mp}.collaborators[{i}]")}
            )
    record["collaborators"] = collaborators
    contacts = r.obj(proto, "contactsLocationsModule", "protocolSection")
    cp = "protocolSection.contactsLocationsModule"
    investigators = []
    for i, item in enumerate(r.objs(contacts, "overallOfficials", cp)):
        path = f"{cp}.overallOfficials[{i}]"
        full_name = r.text(item, "name", path)
        if full_name is None:
            continue
        investigators.append(
            common.investigator(
                full_name, r.text(item, "role", path), r.text(item, "affiliation", path)
            )
        )
    record["investigators"] = investigators


def _eligibility(r: _Reader, proto: dict[str, Any], record: dict[str, Any]) -> None:
    mod = r.obj(proto, "eligibilityModule", "protocolSection")
    mp = "protocolSection.eligibilityModule"
    ages = {}
    for key, field in (("minimumAge", "min_age_years"), ("maximumAge", "max_age_years")):
        value = r.text(mod, key, mp)
        try:
            ages[field] = common.age_years(value)
        except ValueError:
            r.warnings.append(f"{mp}.{key}: not an age: {value!r}")
            ages[field] = None
    sex = r.text(mod, "sex", mp)
    criteria = split_criteria(r.text(mod, "eligibilityCriteria", mp))
    record["eligibility"] = {
        "summary": criteria.summary or r.prose(mod, "studyPopulation", mp),
        **ages,
        "sex": sex if sex in {"ALL", "FEMALE", "MALE"} else None,
        "healthy_volunteers": r.flag(mod, "healthyVolunteers", mp),
        "inclusion": criteria.inclusion,
        "exclusion": criteria.exclusion,
        "inclusion_total": len(criteria.inclusion),
        "exclusion_total": len(criteria.exclusion),
    }


def _locations(r: _Reader, proto: dict[str, Any], record: dict[str, Any]) -> None:
    contacts = r.obj(proto, "contactsLocationsModule", "protocolSection")
    cp = "protocolSection.contactsLocationsModule"
    sites = []
    for i, item in enumerate(r.objs(contacts, "locations", cp)):
        path = f"{cp}.locations[{i}]"
        geo = r.obj(item, "geoPoint", path)
        point = None
        if geo:
            lat = r.number(geo, "lat", f"{path}.geoPoint")
            lon = r.number(geo, "lon", f"{path}.geoPoint")
            if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
                point = {"lat": lat, "lon": lon}
            else:
                r.warnings.append(f"{path}.geoPoint: not a point: {geo!r}")
        site: dict[str, Any] = {"geo": point}
        for key, field in _SITE_FIELDS:
            value = item.get(key)
            if value is None or value.__class__ is not str:  # rare: let text() decide
                value = r.text(item, key, path)
            site[field] = value.strip() or None if value else None
        sites.append(site)
    record["sites"] = sites
    record["site_count"] = len(sites)


_SITE_FIELDS = (
    ("facility", "facility"),
    ("city", "city"),
    ("state", "state"),
    ("zip", "postal_code"),
    ("country", "country"),
    ("status", "status"),
)


def _references(r: _Reader, proto: dict[str, Any], record: dict[str, Any]) -> None:
    mod = r.obj(proto, "referencesModule", "protocolSection")
    mp = "protocolSection.referencesModule"
    record["references"] = [
        common.reference(
            i + 1,
            r.text(item, "citation", f"{mp}.references[{i}]"),
            r.text(item, "pmid", f"{mp}.references[{i}]"),
            r.text(item, "type", f"{mp}.references[{i}]"),
            warnings=r.warnings,
            where=f"{mp}.references[{i}].pmid",
        )
        for i, item in enumerate(r.objs(mod, "references", mp))
    ]
