"""Every corpus study parses, and the record agrees with its raw input on the invariants."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from parsers.ctgov import parse_study_json, parse_study_xml
from parsers.ctgov_common import PARSER_VERSION

# A section heading as the registry usually writes it; the splitter must not
# leave that section empty when some line follows the heading.
_HEADING = re.compile(
    r"^\s*(?:[*•-]\s*)?(?:key\s+)?(inclusion|exclusion)\s+criteria\s*:?\s*$", re.I | re.M
)


def _sections_with_content(text: str) -> set[str]:
    found: set[str] = set()
    matches = list(_HEADING.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        if text[match.end() : end].strip():
            found.add(match.group(1).lower())
    return found


def _json_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "ctgov_v2").glob("NCT*.json"))


def test_every_v2_study_parses_and_matches_its_input(corpus: Path) -> None:
    files = _json_files(corpus)
    assert len(files) == 714
    for path in files:
        raw = path.read_bytes()
        study = json.loads(raw)
        proto = study["protocolSection"]
        record = parse_study_json(raw, str(path))
        nct = proto["identificationModule"]["nctId"]
        where = path.name

        assert record.id == f"ctgov:{nct}", where
        assert record.registry_ids[0] == nct, where
        for sid in proto["identificationModule"].get("secondaryIdInfos", []):
            assert " ".join(sid["id"].split()).upper() in record.registry_ids, where
        assert record.source.name == "ctgov"
        assert record.source.url == f"https://clinicaltrials.gov/study/{nct}"
        assert record.source.content_sha256 == hashlib.sha256(raw).hexdigest()
        assert record.source.parser_version == PARSER_VERSION
        assert record.title == " ".join(proto["identificationModule"]["briefTitle"].split())
        assert record.status is not None
        assert record.status.value == proto["statusModule"]["overallStatus"], where
        design = proto.get("designModule", {})
        assert [p.value for p in record.phases] == design.get("phases", []), where
        assert record.study_type is not None
        assert record.study_type.value == design["studyType"], where

        locations = proto.get("contactsLocationsModule", {}).get("locations", [])
        assert len(record.sites) == len(locations), where
        assert record.site_count == len(locations), where
        with_geo = [loc for loc in locations if "geoPoint" in loc]
        assert sum(site.geo is not None for site in record.sites) == len(with_geo), where

        refs = proto.get("referencesModule", {}).get("references", [])
        assert len(record.references) == len(refs), where
        assert [r.pmid for r in record.references if r.pmid] == [
            r["pmid"] for r in refs if r.get("pmid")
        ], where
        assert [r.number for r in record.references] == list(range(1, len(refs) + 1))

        arms_mod = proto.get("armsInterventionsModule", {})
        assert len(record.interventions) == len(arms_mod.get("interventions", [])), where
        assert len(record.arms) == len(arms_mod.get("armGroups", [])), where
        names = {i.name for i in record.interventions}
        for arm in record.arms:
            assert set(arm.interventions) <= names, (where, arm.label, arm.interventions)

        eligibility = proto.get("eligibilityModule", {})
        sections = _sections_with_content(eligibility.get("eligibilityCriteria", ""))
        if "inclusion" in sections:
            assert record.eligibility.inclusion, where
        if "exclusion" in sections:
            assert record.eligibility.exclusion, where
        assert record.eligibility.inclusion_total == len(record.eligibility.inclusion)
        assert record.eligibility.exclusion_total == len(record.eligibility.exclusion)
        if eligibility.get("minimumAge", "N/A") == "N/A":
            assert record.eligibility.min_age_years is None, where
        else:
            assert record.eligibility.min_age_years is not None, where

        assert record.has_results is study["hasResults"], where
        assert record.dates.start == proto["statusModule"]["startDateStruct"]["date"], where
        assert (
            record.dates.last_update_posted
            == (proto["statusModule"]["lastUpdatePostDateStruct"]["date"])
        )
        assert record.source.warnings == [], (where, record.source.warnings)


_XML_PHASES = {
    "Phase 1": ["PHASE1"],
    "Phase 2": ["PHASE2"],
    "Phase 3": ["PHASE3"],
    "Phase 4": ["PHASE4"],
    "Phase 1/Phase 2": ["PHASE1", "PHASE2"],
    "Phase 2/Phase 3": ["PHASE2", "PHASE3"],
    "Early Phase 1": ["EARLY_PHASE1"],
    "N/A": ["NA"],
}


def test_every_legacy_xml_study_parses_and_matches_its_input(corpus: Path) -> None:
    files = sorted((corpus / "ctgov_xml").glob("NCT*.xml"))
    assert len(files) == 228
    for path in files:
        raw = path.read_bytes()
        root = etree.fromstring(raw)
        record = parse_study_xml(raw, str(path))
        nct = root.findtext("id_info/nct_id")
        where = path.name

        assert record.id == f"ctgov:{nct}", where
        assert record.registry_ids[0] == nct
        assert record.source.content_sha256 == hashlib.sha256(raw).hexdigest()
        assert record.title == " ".join(root.findtext("brief_title").split())
        assert record.status is not None, where
        phase = root.findtext("phase")
        assert [p.value for p in record.phases] == (_XML_PHASES[phase] if phase else []), where
        locations = root.findall("location")
        assert len(record.sites) == len(locations) == record.site_count, where
        pmids = [e.text.strip() for e in root.findall("reference/PMID")]
        pmids += [e.text.strip() for e in root.findall("results_reference/PMID")]
        assert [r.pmid for r in record.references if r.pmid] == pmids, where
        refs = root.findall("reference") + root.findall("results_reference")
        assert len(record.references) == len(refs), where
        assert len(record.arms) == len(root.findall("arm_group")), where
        assert len(record.interventions) == len(root.findall("intervention")), where
        sections = _sections_with_content(root.findtext("eligibility/criteria/textblock") or "")
        if "inclusion" in sections:
            assert record.eligibility.inclusion, where
        if "exclusion" in sections:
            assert record.eligibility.exclusion, where
        results = ("clinical_results", "results_first_posted", "firstreceived_results_date")
        assert record.has_results is any(root.find(t) is not None for t in results), where
        assert record.source.warnings == [], (where, record.source.warnings)


@pytest.mark.parametrize("nct", ["NCT00000410", "NCT04267848"])
def test_parsed_object_and_bytes_give_the_same_record_but_hash_differently(
    corpus: Path, nct: str
) -> None:
    raw = (corpus / "ctgov_v2" / f"{nct}.json").read_bytes()
    from_bytes = parse_study_json(raw, nct)
    from_dict = parse_study_json(json.loads(raw), nct)
    a, b = from_bytes.to_dict(), from_dict.to_dict()
    assert a.pop("source")["content_sha256"] != b.pop("source")["content_sha256"]
    assert a == b


def test_fetch_time_and_url_are_kept(corpus: Path) -> None:
    raw = (corpus / "ctgov_v2" / "NCT00000410.json").read_bytes()
    record = parse_study_json(
        raw, "x", fetched_at="2026-11-25T07:00:00+00:00", url="http://127.0.0.1:1/x"
    )
    assert record.source.fetched_at is not None
    assert record.source.fetched_at.isoformat() == "2026-11-25T07:00:00+00:00"
    assert record.source.url == "http://127.0.0.1:1/x"
