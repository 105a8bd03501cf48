"""Records the API tests index: one fully described trial and a varied, deterministic crowd.

The crowd is larger than one export page (100) so exports must follow cursors.
"""

from __future__ import annotations

from typing import Any

from parsers.records import TrialRecord

RICH_ID = "listing:example:lenalidomide-maintenance"
CROWD = 140

# city, state, country, lat, lon
PLACES = [
    ("Boston", "Massachusetts", "United States", 42.3601, -71.0589),
    ("New York", "New York", "United States", 40.7128, -74.0060),
    ("Houston", "Texas", "United States", 29.7604, -95.3698),
    ("Toronto", "Ontario", "Canada", 43.6532, -79.3832),
    ("Lyon", None, "France", 45.7640, 4.8357),
]
CONDITIONS = ["Multiple Myeloma", "Breast Cancer", "Asthma", "Type 2 Diabetes"]
SPONSORS = [("Pfizer", "INDUSTRY"), ("National Cancer Institute", "NIH"), ("Mayo Clinic", "OTHER")]
DRUGS = ["Lenalidomide", "Metformin", "Budesonide", "Trastuzumab"]
PHASES = [["PHASE1"], ["PHASE2"], ["PHASE3"], ["PHASE2", "PHASE3"], []]
STATUSES = ["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING"]
AGES: list[tuple[float | None, float | None]] = [(18, None), (18, 65), (None, 17), (None, None)]


def crowd_record(n: int) -> TrialRecord:
    condition = CONDITIONS[n % len(CONDITIONS)]
    sponsor, sponsor_class = SPONSORS[n % len(SPONSORS)]
    drug = DRUGS[(n // 3) % len(DRUGS)]
    min_age, max_age = AGES[n % len(AGES)]
    sites = []
    for k in range(n % 3):
        city, state, country, lat, lon = PLACES[(n + k) % len(PLACES)]
        sites.append(
            {
                "facility": f"{city} Clinic {k}",
                "city": city,
                "state": state,
                "country": country,
                "geo": {"lat": lat + 0.01 * k, "lon": lon - 0.01 * k},
            }
        )
    data: dict[str, Any] = {
        "id": f"test:T{n:04d}",
        "registry_ids": [f"NCT{10000000 + n:08d}"],
        "source": {"name": "test", "parser_version": "1"},
        "title": f"{drug} study {n} in {condition}",
        "summary": f"A study of {drug.lower()} for people with {condition.lower()}.",
        "status": STATUSES[n % len(STATUSES)],
        "phases": PHASES[n % len(PHASES)],
        "study_type": "OBSERVATIONAL" if n % 7 == 0 else "INTERVENTIONAL",
        "conditions": [condition],
        "interventions": [{"name": drug, "type": "DRUG"}],
        "sponsor": {"name": sponsor, "class": sponsor_class},
        "eligibility": {"min_age_years": min_age, "max_age_years": max_age, "sex": "ALL"},
        "sites": sites,
        "dates": {"start": f"{2010 + n % 15}-{1 + n % 12:02d}"},
        "has_results": n % 2 == 0,
    }
    return TrialRecord.model_validate(data)


def rich_record() -> TrialRecord:
    """Everything the trial page shows, modelled on the listing example in record.md."""
    data: dict[str, Any] = {
        "id": RICH_ID,
        "registry_ids": ["NCT04071457"],
        "source": {
            "name": "listing",
            "url": "https://trials.example.org/trial/lenalidomide-maintenance",
            "parser_version": "1",
        },
        "title": "Lenalidomide Maintenance for Multiple Myeloma",
        "official_title": "A Phase 2 Study of Lenalidomide Maintenance After Transplant",
        "summary": "This study tests whether lenalidomide maintenance keeps myeloma in check.",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "study_type": "INTERVENTIONAL",
        "conditions": ["Multiple Myeloma"],
        "keywords": ["maintenance"],
        "interventions": [{"name": "Lenalidomide", "type": "DRUG", "description": "Daily pill"}],
        "arms": [
            {
                "label": "Lenalidomide maintenance",
                "type": "EXPERIMENTAL",
                "description": "Lenalidomide 10 mg daily on days 1-21 of 28-day cycles.",
                "interventions": ["Lenalidomide"],
            }
        ],
        "sponsor": {"name": "Memorial Sloan Kettering Cancer Center", "class": "OTHER"},
        "investigators": [
            {"name": "Alexander Lesokhin", "degrees": ["MD"], "role": "Principal Investigator"}
        ],
        "eligibility": {
            "min_age_years": 18,
            "max_age_years": None,
            "sex": "ALL",
            "healthy_volunteers": False,
            "inclusion": [
                "Diagnosis of multiple myeloma",
                "Completed autologous stem cell transplant",
                "Adequate kidney function",
            ],
            "exclusion": ["Active infection", "Pregnancy", "Prior lenalidomide intolerance"],
            "inclusion_total": 8,
            "exclusion_total": 19,
            "required_medications": ["Anticoagulants"],
        },
        "enrollment": {"count": 108, "type": "ESTIMATED"},
        "sites": [
            {
                "facility": "Memorial Sloan Kettering Cancer Center",
                "city": "New York",
                "state": "New York",
                "postal_code": "10065",
                "country": "United States",
                "status": "RECRUITING",
                "geo": {"lat": 40.7644, "lon": -73.9560},
            },
            {
                "facility": "Dana-Farber Cancer Institute",
                "city": "Boston",
                "state": "Massachusetts",
                "postal_code": "02215",
                "country": "United States",
                "status": "RECRUITING",
                "geo": {"lat": 42.3376, "lon": -71.1080},
            },
            {
                "facility": "MD Anderson Cancer Center",
                "city": "Houston",
                "state": "Texas",
                "country": "United States",
                "status": "RECRUITING",
                "geo": {"lat": 29.7073, "lon": -95.3972},
            },
        ],
        "site_count": 6,
        "timeline": [
            {"stage": "Screening", "min_days": 14, "max_days": 28, "text": "2-4 weeks"},
            {"stage": "Treatment", "min_days": 1826, "max_days": 1826, "text": "5 years"},
            {"stage": "Follow-up", "text": "Every 3 months"},
        ],
        "flags": {"placebo": False, "prior_safety_data": True, "approved_jurisdictions": 2},
        "dates": {"start": "2019-09", "primary_completion": "2026-09"},
        "references": [
            {
                "number": 1,
                "title": "Lenalidomide after stem-cell transplantation",
                "year": 2012,
                "pmid": "22571200",
            },
            {
                "number": 2,
                "title": "Maintenance therapy in myeloma",
                "year": 2017,
                "doi": "10.1200/JCO.2017.72.6679",
            },
            {"number": 3, "title": "A reference with no identifier", "year": 2015},
        ],
        "has_results": False,
    }
    return TrialRecord.model_validate(data)


def all_records() -> list[TrialRecord]:
    return [rich_record(), *(crowd_record(n) for n in range(CROWD))]
