"""Realistic trial records at registry scale, for benchmarks.

The distributions (phases, statuses, conditions, interventions, sponsors,
sites per trial, places with their coordinates, ages, start years, text
lengths and words) are learned once from the ClinicalTrials.gov corpus by
:func:`derive_tables` and kept as small tables of figures in
``devtools/data/distributions.json``, so generating needs no corpus:

    python -m devtools.generator derive [--corpus DIR]   # rewrite the tables
    python -m devtools.generator sample 1000 > records.jsonl

Records are deterministic for a seed and a record number.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from parsers.records import TrialRecord

TABLES_FILE = "data/distributions.json"
GENERATOR_VERSION = 2  # bump when the same seed gives different records
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


class Weighted:
    """Draw values with the weights they had in the corpus."""

    def __init__(self, pairs: Sequence[Sequence[Any]]) -> None:
        self.values = [p[0] if len(p) == 2 else list(p[:-1]) for p in pairs]
        self.cumulative = list(itertools.accumulate(float(p[-1]) for p in pairs))

    def draw(self, rng: random.Random) -> Any:
        x = rng.random() * self.cumulative[-1]
        return self.values[bisect.bisect_right(self.cumulative, x)]

    def draw_many(self, rng: random.Random, n: int) -> list[Any]:
        return rng.choices(self.values, cum_weights=self.cumulative, k=n)


# Deriving the tables from the corpus


def _top(counter: Counter[Any], n: int) -> list[list[Any]]:
    return [[*k, c] if isinstance(k, tuple) else [k, c] for k, c in counter.most_common(n)]


def derive_tables(corpus: Path) -> dict[str, Any]:
    """Distributions of the ClinicalTrials.gov studies under ``corpus/ctgov_v2``."""
    from parsers.ctgov import parse_study_json

    names = (
        "phases status study_type sex sponsors conditions conditions_per_trial interventions "
        "interventions_per_trial sites_per_trial places ages start_year has_results words "
        "summary_words inclusion exclusion enrollment collaborators"
    )
    c: dict[str, Counter[Any]] = {name: Counter() for name in names.split()}
    coords: dict[tuple[str, str, str], list[float]] = {}
    studies = 0
    for path in sorted((corpus / "ctgov_v2").glob("NCT*.json")):
        try:
            r = parse_study_json(path.read_bytes(), origin=str(path))
        except Exception:  # a study the parser refuses is simply not counted
            continue
        studies += 1
        c["phases"]["|".join(p.value for p in r.phases)] += 1
        c["status"][r.status.value if r.status else ""] += 1
        c["study_type"][r.study_type.value if r.study_type else ""] += 1
        c["sex"][r.eligibility.sex.value if r.eligibility.sex else ""] += 1
        if r.sponsor:
            c["sponsors"][(r.sponsor.name, r.sponsor.class_ or "")] += 1
        c["collaborators"][len(r.collaborators)] += 1
        c["conditions"].update(r.conditions)
        c["conditions_per_trial"][len(r.conditions)] += 1
        c["interventions"].update((i.name, i.type or "") for i in r.interventions)
        c["interventions_per_trial"][len(r.interventions)] += 1
        c["sites_per_trial"][len(r.sites)] += 1
        for site in r.sites:
            if site.geo and site.city and site.country:
                key = (site.city, site.state or "", site.country)
                c["places"][key] += 1
                acc = coords.setdefault(key, [0.0, 0.0, 0])
                acc[0] += site.geo.lat
                acc[1] += site.geo.lon
                acc[2] += 1
        c["ages"][(r.eligibility.min_age_years, r.eligibility.max_age_years)] += 1
        if r.dates.start:
            c["start_year"][int(r.dates.start[:4])] += 1
        c["has_results"][bool(r.has_results)] += 1
        words = _WORD.findall(r.summary or "")
        c["summary_words"][min(len(words) // 20 * 20, 400)] += 1
        c["words"].update(w.lower() for w in words)
        c["inclusion"][min(len(r.eligibility.inclusion), 30)] += 1
        c["exclusion"][min(len(r.eligibility.exclusion), 30)] += 1
        if r.enrollment.count is not None:
            bucket = 10 ** len(str(r.enrollment.count)) // 10
            c["enrollment"][bucket] += 1
    places = [
        [city, state, country, round(lat / n, 4), round(lon / n, 4), count]
        for (city, state, country), count in c["places"].most_common(2000)
        for lat, lon, n in [coords[(city, state, country)]]
    ]
    return {
        "_comment": f"Derived from {studies} ClinicalTrials.gov studies by devtools.generator.",
        "studies": studies,
        "phases": _top(c["phases"], 50),
        "status": _top(c["status"], 50),
        "study_type": _top(c["study_type"], 10),
        "sex": _top(c["sex"], 10),
        "sponsors": _top(c["sponsors"], 300),
        "collaborators": _top(c["collaborators"], 20),
        "conditions": _top(c["conditions"], 600),
        "conditions_per_trial": _top(c["conditions_per_trial"], 30),
        "interventions": _top(c["interventions"], 500),
        "interventions_per_trial": _top(c["interventions_per_trial"], 30),
        "sites_per_trial": _top(c["sites_per_trial"], 200),
        "places": places,
        "ages": _top(c["ages"], 80),
        "start_year": _top(c["start_year"], 80),
        "has_results": _top(c["has_results"], 2),
        "summary_words": _top(c["summary_words"], 30),
        "words": _top(c["words"], 2500),
        "inclusion": _top(c["inclusion"], 31),
        "exclusion": _top(c["exclusion"], 31),
        "enrollment": _top(c["enrollment"], 10),
    }


@cache
def load_tables() -> dict[str, Any]:
    text = resources.files("devtools").joinpath(TABLES_FILE).read_text(encoding="utf-8")
    tables: dict[str, Any] = json.loads(text)
    return tables


# Generating

TITLES = (
    "{i} in {c}",
    "A Study of {i} in Patients With {c}",
    "{i} Versus Placebo for {c}",
    "Safety and Efficacy of {i} in Adults With {c}",
    "{i} for the Treatment of {c}",
    "Phase {p} Trial of {i} in {c}",
    "Evaluation of {i} in People With {c}",
)

FACILITIES = ("Medical Center", "University Hospital", "Clinical Research", "Cancer Institute")
DESIGNS = ("randomized", "open-label", "multicenter", "single-arm")


class RecordGenerator:
    """Draws records with the corpus's distributions."""

    def __init__(self, tables: dict[str, Any] | None = None, seed: int = 1) -> None:
        t = tables or load_tables()
        self.seed = seed
        self.phases = Weighted(t["phases"])
        self.status = Weighted(t["status"])
        self.study_type = Weighted(t["study_type"])
        self.sex = Weighted(t["sex"])
        self.sponsors = Weighted(t["sponsors"])
        self.collaborators = Weighted(t["collaborators"])
        self.conditions = Weighted(t["conditions"])
        self.n_conditions = Weighted(t["conditions_per_trial"])
        self.interventions = Weighted(t["interventions"])
        self.n_interventions = Weighted(t["interventions_per_trial"])
        self.n_sites = Weighted(t["sites_per_trial"])
        self.places = Weighted(t["places"])
        by_country: dict[str, list[list[Any]]] = {}
        for place in t["places"]:
            by_country.setdefault(place[2], []).append(place)
        self.places_in = {k: Weighted(v) for k, v in by_country.items()}
        self.ages = Weighted(t["ages"])
        self.start_year = Weighted(t["start_year"])
        self.has_results = Weighted(t["has_results"])
        self.summary_words = Weighted(t["summary_words"])
        # Prose is drawn from the corpus's general words only. Words of condition
        # and intervention names would otherwise sprinkle every record with the
        # corpus's topics ("lumbar", "cluster"), so that a search for one of them
        # matched most trials; topics enter a record through its own conditions.
        topical = {
            w.lower()
            for row in (*t["conditions"], *t["interventions"])
            for w in _WORD.findall(row[0])
        }
        self.words = Weighted([row for row in t["words"] if row[0] not in topical])
        self.inclusion = Weighted(t["inclusion"])
        self.exclusion = Weighted(t["exclusion"])
        self.enrollment = Weighted(t["enrollment"])

    def _text(self, rng: random.Random, n: int) -> str:
        words = self.words.draw_many(rng, max(n, 1))
        return " ".join(words).capitalize() + "."

    def _distinct(self, rng: random.Random, table: Weighted, n: int) -> list[Any]:
        out: list[Any] = []
        for _ in range(n * 3):
            value = table.draw(rng)
            if value not in out:
                out.append(value)
            if len(out) == n:
                break
        return out

    def record_dict(self, number: int) -> dict[str, Any]:
        rng = random.Random(self.seed * 1_000_003 + number)
        conditions = self._distinct(rng, self.conditions, max(1, self.n_conditions.draw(rng)))
        interventions = self._distinct(rng, self.interventions, self.n_interventions.draw(rng))
        phases = [p for p in str(self.phases.draw(rng)).split("|") if p]
        sponsor, sponsor_class = self.sponsors.draw(rng)
        main = interventions[0][0] if interventions else "Standard Care"
        title = rng.choice(TITLES).format(
            i=main, c=conditions[0], p=phases[0][-1] if phases else "2"
        )
        n_sites = int(self.n_sites.draw(rng))
        sites = []
        if n_sites:
            home = self.places.draw(rng)[2]
            for _ in range(n_sites):
                table = self.places_in[home] if rng.random() < 0.85 else self.places
                city, state, country, lat, lon = table.draw(rng)
                sites.append(
                    {
                        "facility": f"{city} {rng.choice(FACILITIES)}",
                        "city": city,
                        "state": state or None,
                        "country": country,
                        "geo": {
                            "lat": round(lat + rng.uniform(-0.03, 0.03), 5),
                            "lon": round(lon + rng.uniform(-0.03, 0.03), 5),
                        },
                    }
                )
        min_age, max_age = self.ages.draw(rng)
        year = int(self.start_year.draw(rng))
        start = f"{year}-{rng.randint(1, 12):02d}" + (
            f"-{rng.randint(1, 28):02d}" if rng.random() < 0.6 else ""
        )
        status = self.status.draw(rng)
        study_type = self.study_type.draw(rng)
        sex = self.sex.draw(rng)
        n_summary = int(self.summary_words.draw(rng)) + rng.randint(5, 19)
        bucket = int(self.enrollment.draw(rng))
        return {
            "id": f"gen:NCT{90_000_000 + number:08d}",
            "registry_ids": [f"NCT{90_000_000 + number:08d}"],
            "source": {"name": "generated", "parser_version": "1"},
            "title": title,
            "official_title": f"{title}: a {rng.choice(DESIGNS)} study",
            "summary": f"This study tests {main.lower()} in {conditions[0].lower()}. "
            + self._text(rng, n_summary),
            "status": status or None,
            "phases": phases,
            "study_type": study_type or None,
            "conditions": conditions,
            "keywords": [self.words.draw(rng) for _ in range(rng.randint(0, 4))],
            "interventions": [
                {"name": name, "type": kind or None, "description": self._text(rng, 15)}
                for name, kind in interventions
            ],
            "sponsor": {"name": sponsor, "class": sponsor_class or None},
            "collaborators": [
                {"name": n, "class": k or None}
                for n, k in self._distinct(rng, self.sponsors, self.collaborators.draw(rng))
                if n != sponsor
            ],
            "eligibility": {
                "min_age_years": min_age,
                "max_age_years": max_age,
                "sex": sex or None,
                "healthy_volunteers": rng.random() < 0.2,
                "inclusion": [
                    self._text(rng, rng.randint(5, 20)) for _ in range(self.inclusion.draw(rng))
                ],
                "exclusion": [
                    self._text(rng, rng.randint(5, 20)) for _ in range(self.exclusion.draw(rng))
                ],
            },
            "enrollment": {"count": rng.randint(bucket, bucket * 10), "type": "ESTIMATED"},
            "sites": sites,
            "site_count": len(sites),
            "dates": {"start": start},
            "has_results": bool(self.has_results.draw(rng)),
        }

    def record(self, number: int) -> TrialRecord:
        return TrialRecord.model_validate(self.record_dict(number))

    def records(self, count: int, start: int = 1) -> Iterator[TrialRecord]:
        for number in range(start, start + count):
            yield self.record(number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.generator")
    sub = parser.add_subparsers(dest="command", required=True)
    derive = sub.add_parser(
        "derive", help="rewrite devtools/data/distributions.json from the corpus"
    )
    derive.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    sample = sub.add_parser("sample", help="print N generated records as JSON lines")
    sample.add_argument("count", type=int)
    sample.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "derive":
        tables = derive_tables(args.corpus)
        target = Path(__file__).parent / TABLES_FILE
        target.write_text(json.dumps(tables, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(f"{target}: {tables['studies']} studies", file=sys.stderr)
        return 0
    generator = RecordGenerator(seed=args.seed)
    for record in generator.records(args.count):
        sys.stdout.write(record.to_json() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
