"""Legacy ClinicalTrials.gov ``<clinical_study>`` XML -> `TrialRecord`.

The same record as the API v2 parser, from the retired XML layout: display
labels instead of enum names ("Active, not recruiting", "Phase 1/Phase 2"),
dates as "March 2012" or "January 9, 2015", ages as "18 Years", hard-wrapped
text blocks, and the arm-intervention link stated on the intervention.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from parsers import ctgov_common as common
from parsers.ctgov_criteria import split_criteria
from parsers.errors import ParseError
from parsers.records import TrialRecord

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

_STUDY_TYPES = {
    "INTERVENTIONAL": "INTERVENTIONAL",
    "OBSERVATIONAL": "OBSERVATIONAL",
    "OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL",
    "EXPANDED_ACCESS": "EXPANDED_ACCESS",
}
_SEX = {"ALL": "ALL", "BOTH": "ALL", "FEMALE": "FEMALE", "MALE": "MALE"}
_CLASSES = {"U_S_FED": "FED", "US_FED": "FED"}
_ENROLLMENT = {"ACTUAL": "ACTUAL", "ANTICIPATED": "ESTIMATED", "ESTIMATED": "ESTIMATED"}


def _text(node: Any, path: str) -> str | None:
    value = node.findtext(path)
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _block(node: Any, path: str) -> str | None:
    """A wrapped text block as paragraphs: lines joined, blank lines kept as breaks."""
    value = node.findtext(path)
    if value is None:
        return None
    paragraphs = [" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(value)]
    return "\n\n".join(p for p in paragraphs if p) or None


def _label(value: str | None, table: dict[str, str] | None = None) -> str | None:
    if value is None:
        return None
    name = common.enum_name(value)
    return table.get(name, name) if table is not None else name


def parse_study_xml(
    body: bytes,
    origin: str,
    *,
    fetched_at: datetime | str | None = None,
    url: str | None = None,
) -> TrialRecord:
    """One legacy ``<clinical_study>`` document -> `TrialRecord`."""
    if not isinstance(body, bytes | bytearray):
        raise ParseError(origin, f"expected XML bytes, got {type(body).__name__}")
    try:
        root = etree.fromstring(bytes(body), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(origin, f"not well-formed XML: {exc}") from exc
    if root is None or root.tag != "clinical_study":
        tag = getattr(root, "tag", None)
        raise ParseError(
            origin, f"not a ClinicalTrials.gov study: root element is <{tag}>, not <clinical_study>"
        )
    warnings: list[str] = []
    nct = common.require_nct(_text(root, "id_info/nct_id"), origin, "id_info/nct_id")
    where = f"{origin} ({nct})" if nct not in origin else origin
    title = _text(root, "brief_title") or _text(root, "official_title")
    if title is None:
        raise ParseError(where, "brief_title: missing; a study without a title")

    registry_ids = [nct]
    registry_ids += [" ".join(e.text.split()) for e in root.findall("id_info/nct_alias") if e.text]
    registry_ids += [
        " ".join(e.text.split()) for e in root.findall("id_info/secondary_id") if e.text
    ]

    overall = _text(root, "overall_status")
    try:
        status = common.status(overall)
    except ValueError:
        warnings.append(f"overall_status: unknown status {overall!r}")
        status = None
    phases, unknown = common.phases([e.text or "" for e in root.findall("phase")])
    warnings.extend(f"phase: unknown phase {v!r}" for v in unknown)
    study_type_text = _text(root, "study_type")
    study_type = _label(study_type_text, _STUDY_TYPES)
    if study_type not in _STUDY_TYPES.values():
        if study_type_text not in {None, "N/A"}:
            warnings.append(f"study_type: unknown study type {study_type_text!r}")
        study_type = None

    enrollment_node = root.find("enrollment")
    enrollment: dict[str, Any] = {"count": None, "type": None}
    if enrollment_node is not None and enrollment_node.text and enrollment_node.text.strip():
        try:
            enrollment["count"] = int(enrollment_node.text.strip())
        except ValueError:
            warnings.append(f"enrollment: not a number: {enrollment_node.text.strip()!r}")
        enrollment["type"] = _label(enrollment_node.get("type"), _ENROLLMENT)
        if enrollment["type"] not in {None, "ACTUAL", "ESTIMATED"}:
            enrollment["type"] = None

    def date(*paths: str) -> str | None:
        for path in paths:
            value = _text(root, path)
            if value is None:
                continue
            try:
                return common.partial_date(value)
            except ValueError:
                warnings.append(f"{path}: not a date: {value!r}")
                return None
        return None

    has_results = (
        root.find("clinical_results") is not None
        or root.find("results_first_posted") is not None
        or root.find("firstreceived_results_date") is not None
    )
    record: dict[str, Any] = {
        "id": f"ctgov:{nct}",
        "registry_ids": common.unique(registry_ids),
        "title": title,
        "official_title": _text(root, "official_title"),
        "summary": _block(root, "brief_summary/textblock"),
        "status": status,
        "phases": phases,
        "study_type": study_type,
        "conditions": common.unique([_text(e, ".") or "" for e in root.findall("condition")]),
        "keywords": common.unique([_text(e, ".") or "" for e in root.findall("keyword")]),
        "enrollment": enrollment,
        "dates": {
            "start": date("start_date"),
            "primary_completion": date("primary_completion_date"),
            "completion": date("completion_date"),
            "first_posted": date("study_first_posted", "firstreceived_date"),
            "last_update_posted": date("last_update_posted", "lastchanged_date"),
        },
        "has_results": has_results,
        **_arms_interventions(root),
        **_sponsors(root),
        "eligibility": _eligibility(root, warnings),
        **_locations(root),
        "references": _references(root, warnings),
    }
    record["source"] = common.source_info(
        nct,
        hashlib.sha256(body).hexdigest(),
        fetched_at=fetched_at,
        url=url,
        warnings=warnings,
    )
    return common.build_record(record, where)


def _arms_interventions(root: Any) -> dict[str, Any]:
    interventions = []
    arms_of: dict[str, list[str]] = {}
    for node in root.findall("intervention"):
        name = _text(node, "intervention_name")
        if name is None:
            continue
        interventions.append(
            {
                "name": name,
                "type": _label(_text(node, "intervention_type")),
                "description": _block(node, "description"),
            }
        )
        for label in node.findall("arm_group_label"):
            key = " ".join((label.text or "").split())
            arms_of.setdefault(key, []).append(name)
    arms = []
    for node in root.findall("arm_group"):
        label = _text(node, "arm_group_label")
        if label is None:
            continue
        arms.append(
            {
                "label": label,
                "type": _label(_text(node, "arm_group_type")),
                "description": _block(node, "description"),
                "interventions": common.unique(arms_of.get(label, [])),
            }
        )
    return {"interventions": interventions, "arms": arms}


def _organization(node: Any) -> dict[str, Any] | None:
    name = _text(node, "agency")
    if name is None:
        return None
    return {"name": name, "class": _label(_text(node, "agency_class"), _CLASSES)}


def _sponsors(root: Any) -> dict[str, Any]:
    lead = root.find("sponsors/lead_sponsor")
    collaborators = [_organization(n) for n in root.findall("sponsors/collaborator")]
    investigators = []
    for node in root.findall("overall_official"):
        full = _text(node, "last_name")
        if full is None:
            continue
        investigators.append(
            common.investigator(full, _text(node, "role"), _text(node, "affiliation"))
        )
    return {
        "sponsor": _organization(lead) if lead is not None else None,
        "collaborators": [c for c in collaborators if c is not None],
        "investigators": investigators,
    }


def _eligibility(root: Any, warnings: list[str]) -> dict[str, Any]:
    node = root.find("eligibility")
    if node is None:
        return {}
    ages: dict[str, float | None] = {}
    for tag, field in (("minimum_age", "min_age_years"), ("maximum_age", "max_age_years")):
        value = _text(node, tag)
        try:
            ages[field] = common.age_years(value)
        except ValueError:
            warnings.append(f"eligibility/{tag}: not an age: {value!r}")
            ages[field] = None
    healthy = _text(node, "healthy_volunteers")
    criteria = split_criteria(node.findtext("criteria/textblock"))
    return {
        "summary": criteria.summary or _block(node, "study_pop/textblock"),
        **ages,
        "sex": _label(_text(node, "gender"), _SEX) if _text(node, "gender") else None,
        "healthy_volunteers": _healthy(healthy),
        "inclusion": criteria.inclusion,
        "exclusion": criteria.exclusion,
        "inclusion_total": len(criteria.inclusion),
        "exclusion_total": len(criteria.exclusion),
    }


def _healthy(value: str | None) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in {"no", "false"}:
        return False
    if text.startswith("accepts") or text in {"yes", "true"}:
        return True
    return None


def _locations(root: Any) -> dict[str, Any]:
    sites = []
    for node in root.findall("location"):
        sites.append(
            {
                "facility": _text(node, "facility/name"),
                "city": _text(node, "facility/address/city"),
                "state": _text(node, "facility/address/state"),
                "postal_code": _text(node, "facility/address/zip"),
                "country": _text(node, "facility/address/country"),
                "status": _label(_text(node, "status")),
                "geo": None,  # the legacy XML carries no coordinates
            }
        )
    return {"sites": sites, "site_count": len(sites)}


def _references(root: Any, warnings: list[str]) -> list[dict[str, Any]]:
    # The legacy XML does not say whether a plain <reference> is background or derived.
    nodes: list[tuple[Any, str | None]] = [(n, None) for n in root.findall("reference")]
    nodes += [(n, "RESULT") for n in root.findall("results_reference")]
    return [
        common.reference(
            i + 1,
            _text(node, "citation"),
            _text(node, "PMID"),
            kind,
            warnings=warnings,
            where=f"{node.tag}/PMID (reference {i + 1})",
        )
        for i, (node, kind) in enumerate(nodes)
    ]
