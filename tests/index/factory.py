"""Trial records for the index tests: a varied, deterministic set and a few real-looking ones."""

from __future__ import annotations

import random
from typing import Any

from parsers.records import TrialRecord

CITIES = [
    # city, state, country, lat, lon
    ("Boston", "Massachusetts", "United States", 42.3601, -71.0589),
    ("Cambridge", "Massachusetts", "United States", 42.3736, -71.1097),
    ("New York", "New York", "United States", 40.7128, -74.0060),
    ("Houston", "Texas", "United States", 29.7604, -95.3698),
    ("Toronto", "Ontario", "Canada", 43.6532, -79.3832),
    ("London", None, "United Kingdom", 51.5074, -0.1278),
    ("Paris", None, "France", 48.8566, 2.3522),
    ("Tokyo", None, "Japan", 35.6762, 139.6503),
]
CONDITIONS = ["Multiple Myeloma", "Breast Cancer", "Asthma", "Type 2 Diabetes", "Heart Failure"]
SPONSORS = [
    ("Memorial Sloan Kettering Cancer Center", "OTHER"),
    ("Pfizer", "INDUSTRY"),
    ("National Cancer Institute (NCI)", "NIH"),
    ("Novartis Pharmaceuticals", "INDUSTRY"),
]
DRUGS = ["Lenalidomide", "Pembrolizumab", "Metformin", "Placebo", "Dapagliflozin"]
PHASES = [["PHASE1"], ["PHASE2"], ["PHASE3"], ["PHASE1", "PHASE2"], ["NA"], []]
STATUSES = ["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING", "TERMINATED"]
AGES: list[tuple[float | None, float | None]] = [
    (18, None),
    (18, 65),
    (None, 17),
    (65, None),
    (None, None),
    (40, 75),
]


def make_record(n: int, **overrides: Any) -> TrialRecord:
    """Record number ``n`` of the varied set; ``overrides`` replace top-level fields."""
    rng = random.Random(n)
    condition = CONDITIONS[n % len(CONDITIONS)]
    sponsor, sponsor_class = SPONSORS[n % len(SPONSORS)]
    drug = DRUGS[(n // 2) % len(DRUGS)]
    min_age, max_age = AGES[n % len(AGES)]
    site_count = n % 4  # some trials have no sites at all
    sites = []
    for k in range(site_count):
        city, state, country, lat, lon = CITIES[(n + 3 * k) % len(CITIES)]
        sites.append(
            {
                "facility": f"{city} Research Hospital {k}",
                "city": city,
                "state": state,
                "country": country,
                "geo": {
                    "lat": lat + rng.uniform(-0.05, 0.05),
                    "lon": lon + rng.uniform(-0.05, 0.05),
                },
            }
        )
    data: dict[str, Any] = {
        "id": f"test:T{n:04d}",
        "source": {"name": "test" if n % 5 else "other", "parser_version": "1"},
        "title": f"{drug} study {n} in {condition}",
        "summary": f"A study of {drug.lower()} for people with {condition.lower()}.",
        "status": STATUSES[n % len(STATUSES)],
        "phases": PHASES[n % len(PHASES)],
        "study_type": "OBSERVATIONAL" if n % 7 == 0 else "INTERVENTIONAL",
        "conditions": [condition] + (["Obesity"] if n % 6 == 0 else []),
        "interventions": [{"name": drug, "type": "DRUG"}],
        "sponsor": {"name": sponsor, "class": sponsor_class},
        "eligibility": {
            "min_age_years": min_age,
            "max_age_years": max_age,
            "sex": ["ALL", "FEMALE", "MALE"][n % 3],
        },
        "sites": sites,
        "dates": {"start": None if n % 9 == 0 else f"{2015 + n % 10}-{1 + n % 12:02d}"},
        "has_results": [True, False, None][n % 3],
    }
    data.update(overrides)
    return TrialRecord.model_validate(data)


def varied_records(count: int = 60) -> list[TrialRecord]:
    return [make_record(n) for n in range(1, count + 1)]


def realistic_records() -> list[TrialRecord]:
    """Three records shaped like real ones (a listing page and two registry entries)."""
    return [
        TrialRecord.model_validate(
            {
                "id": "listing:power:lenalidomide-maintenance-myeloma",
                "registry_ids": ["NCT04071457"],
                "source": {
                    "name": "listing",
                    "url": "https://www.withpower.com/trial/phase-2-multiple-myeloma-8-2019-a1b2c",
                    "parser_version": "1",
                },
                "title": "Lenalidomide Maintenance for Multiple Myeloma",
                "summary": "This trial tests whether stopping lenalidomide maintenance is "
                "safe for people whose myeloma shows no minimal residual disease.",
                "status": "RECRUITING",
                "phases": ["PHASE2"],
                "study_type": "INTERVENTIONAL",
                "conditions": ["Multiple Myeloma"],
                "interventions": [{"name": "Lenalidomide", "type": "DRUG"}],
                "sponsor": {"name": "Memorial Sloan Kettering Cancer Center", "class": "OTHER"},
                "eligibility": {"min_age_years": 18, "sex": "ALL"},
                "enrollment": {"count": 108, "type": "ESTIMATED"},
                "sites": [
                    {
                        "facility": "Memorial Sloan Kettering Cancer Center",
                        "city": "New York",
                        "state": "New York",
                        "country": "United States",
                        "geo": {"lat": 40.7644, "lon": -73.9558},
                    },
                    {
                        "facility": "Memorial Sloan Kettering Basking Ridge",
                        "city": "Basking Ridge",
                        "state": "New Jersey",
                        "country": "United States",
                        "geo": {"lat": 40.7062, "lon": -74.5493},
                    },
                ],
                "site_count": 6,
                "dates": {"start": "2019-08-20"},
            }
        ),
        TrialRecord.model_validate(
            {
                "id": "ctgov:NCT00000410",
                "registry_ids": ["NCT00000410"],
                "source": {"name": "ctgov", "parser_version": "1"},
                "title": "Spine Patient Outcomes Research Trial (SPORT): Herniated Disc",
                "official_title": "Spine Patient Outcomes Research Trial (SPORT): "
                "Intervertebral Disc Herniation",
                "status": "COMPLETED",
                "phases": ["PHASE4"],
                "study_type": "INTERVENTIONAL",
                "conditions": ["Intervertebral Disk Displacement"],
                "interventions": [{"name": "Diskectomy", "type": "PROCEDURE"}],
                "sponsor": {"name": "Dartmouth-Hitchcock Medical Center", "class": "OTHER"},
                "eligibility": {"min_age_years": 18, "sex": "ALL"},
                "sites": [
                    {
                        "facility": "Dartmouth-Hitchcock Medical Center",
                        "city": "Lebanon",
                        "state": "New Hampshire",
                        "country": "United States",
                        "geo": {"lat": 43.6423, "lon": -72.2518},
                    }
                ],
                "dates": {"start": "2000-03"},
                "has_results": False,
            }
        ),
        TrialRecord.model_validate(
            {
                "id": "ctgov:NCT03937141",
                "source": {"name": "ctgov", "parser_version": "1"},
                "title": "Revlimid and Dexamethasone in Plasma Cell Myeloma",
                "status": "ACTIVE_NOT_RECRUITING",
                "phases": ["PHASE3"],
                "study_type": "INTERVENTIONAL",
                "conditions": ["Plasma Cell Myeloma"],
                "interventions": [
                    {"name": "Revlimid", "type": "DRUG"},
                    {"name": "Dexamethasone", "type": "DRUG"},
                ],
                "sponsor": {"name": "Celgene", "class": "INDUSTRY"},
                "eligibility": {"min_age_years": 18, "max_age_years": 80, "sex": "ALL"},
                "sites": [
                    {
                        "city": "Paris",
                        "country": "France",
                        "geo": {"lat": 48.8449, "lon": 2.3556},
                    }
                ],
                "dates": {"start": "2019-06-01"},
                "has_results": True,
            }
        ),
    ]


def coverage_edge_records() -> list[TrialRecord]:
    """Records that each have, or lack, a field in a way the varied set does not."""
    bare = {"sites": [], "site_count": None}
    return [
        make_record(801, eligibility={"inclusion": ["Aged 18 or over"]}),
        make_record(802, eligibility={"exclusion": ["Pregnancy"]}, sites=[], site_count=4),
        make_record(803, status=None, sponsor=None, phases=[], **bare),
        make_record(804, sites=[{"facility": "Clinique du Parc"}], site_count=0),
        make_record(805, sites=[], site_count=0, eligibility={"inclusion": [], "exclusion": []}),
        make_record(806, source={"name": "listing", "parser_version": "1"}, **bare),
    ]


def contract_records() -> list[TrialRecord]:
    return varied_records() + realistic_records()
