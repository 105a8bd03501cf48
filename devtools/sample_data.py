"""Deterministic made-up trials for the sample site: the truth its pages are rendered from.

Everything derives from ``(seed, index, revision)`` through `random.Random` seeded with
a string, which is stable across processes and Python runs. Tests and the listing
parser's checks read these objects to know what a generated page states.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Condition:
    slug: str  # listing URL: /clinical-trials/for-<slug>
    name: str
    mesh_slug: str  # as used in trial slugs


CONDITIONS: tuple[Condition, ...] = (
    Condition("depression", "Depression", "depressive-disorder"),
    Condition("breast-cancer", "Breast Cancer", "breast-neoplasms"),
    Condition("multiple-myeloma", "Multiple Myeloma", "multiple-myeloma"),
    Condition("type-2-diabetes", "Type 2 Diabetes", "diabetes-mellitus-type-2"),
    Condition("asthma", "Asthma", "asthma"),
    Condition("alzheimers-disease", "Alzheimer's Disease", "alzheimer-disease"),
    Condition("hypertension", "Hypertension", "hypertension"),
    Condition("obesity", "Obesity", "obesity"),
    Condition("psoriasis", "Psoriasis", "psoriasis"),
    Condition("migraine", "Migraine", "migraine-disorders"),
    Condition("copd", "COPD", "pulmonary-disease-chronic-obstructive"),
    Condition("rheumatoid-arthritis", "Rheumatoid Arthritis", "arthritis-rheumatoid"),
)

_DRUGS = (
    "Lenalidomide",
    "Sertraline",
    "Metformin",
    "Psilocybin",
    "Semaglutide",
    "Tiotropium",
    "Adalimumab",
    "Erenumab",
    "Letrozole",
    "Donepezil",
    "Amlodipine",
    "Dupilumab",
    "Ketamine",
    "Tirzepatide",
    "Bortezomib",
)
_PURPOSES = ("Maintenance", "Therapy", "Treatment", "Add-on Therapy", "Early Treatment")
_CATEGORIES = ("Drug", "Hormone Therapy", "Biological", "Behavioural Intervention", "Device")
_SPONSORS = (
    ("Memorial Sloan Kettering Cancer Center", 1998, 602_000),
    ("Mayo Clinic", 3412, 3_100_000),
    ("University of Michigan", 1870, 6_400_000),
    ("Novartis Pharmaceuticals", 1711, 2_700_000),
    ("Massachusetts General Hospital", 3024, 13_500_000),
    ("Pfizer", 4687, 10_900_000),
    ("Duke University", 2483, 3_300_000),
    ("Stanford University", 2527, 17_400_000),
    ("Eli Lilly and Company", 2665, 3_200_000),
    ("University of California, San Francisco", 2636, 14_900_000),
)
_FIRST = ("Alexander", "Maria", "Wei", "Priya", "John", "Fatima", "Lucas", "Hannah", "Kenji", "Ana")
_LAST = ("Lesokhin", "Okafor", "Chen", "Nair", "Smith", "Haddad", "Moreau", "Berg", "Sato", "Silva")
_DEGREES = (("MD",), ("MD", "PhD"), ("PhD",), ("DO",), ("MD", "MPH"))
_PHASES = ("Phase 1", "Phase 2", "Phase 3", "Phase 4", "Phase 1 & 2", "Phase 2 & 3")
_STATUSES = ("Recruiting", "Recruiting", "Recruiting", "Waitlist Available")
_SEXES = ("Any", "Any", "Any", "Female", "Male")
_CITIES = (
    ("Boston", "Massachusetts"),
    ("New York", "New York"),
    ("Rochester", "Minnesota"),
    ("Ann Arbor", "Michigan"),
    ("Durham", "North Carolina"),
    ("Palo Alto", "California"),
    ("Omaha", "Nebraska"),
    ("Houston", "Texas"),
)
_MEDICATIONS = ("Anticoagulants", "Statins", "Antidepressants", "Insulin")
_AUTHORS = ("Syed, YY.", "McCormack, PL.", "Tariman, JD.", "Okafor, N.", "Chen, W.", "Berg, H.")
_QUESTIONS = (
    "What is the purpose of this trial?",
    "Will I have to stop taking my current medications?",
    "What data supports the effectiveness of the drug {drug} for {condition}?",
    "Is {drug} safe for humans?",
    "How does the drug {drug} differ from other treatments for {condition}?",
)


@dataclass(frozen=True)
class QA:
    question: str
    answer: str  # without citation markers
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Reference:
    number: int
    title: str
    year: int
    source: str | None  # e.g. pubmed.ncbi.nlm.nih.gov, printed on some entries


@dataclass(frozen=True)
class Finding:
    texts: tuple[str, ...]
    title: str
    authors: str
    year: int


@dataclass(frozen=True)
class Stage:
    stage: str
    description: str
    text: str  # duration as written, e.g. "2-4 weeks"


@dataclass(frozen=True)
class Arm:
    label: str
    type: str  # as printed: "Experimental Treatment", "Placebo Group", ...
    description: str
    interventions: tuple[str, ...]


@dataclass(frozen=True)
class Investigator:
    name: str
    degrees: tuple[str, ...]
    role: str
    affiliation: str

    @property
    def display(self) -> str:
        return ", ".join((self.name, *self.degrees))


@dataclass(frozen=True)
class SampleTrial:
    """One generated trial; every listing-page field a parser could extract."""

    index: int
    slug: str
    revision: int
    condition: Condition
    title: str
    acronym: str
    category: str
    status: str
    phase: str
    enrollment: int
    site_count: int
    min_age: int
    max_age: int | None
    sex: str
    sponsor: str
    sponsor_trials: int
    sponsor_recruited: int
    city: str
    state: str
    required_medications: tuple[str, ...]
    no_placebo: bool
    prior_safety_data: bool
    approved_jurisdictions: int
    summary: str
    qa: tuple[QA, ...]
    investigators: tuple[Investigator, ...]
    eligibility_summary: str
    inclusion: tuple[str, ...]  # shown on the page
    inclusion_total: int
    exclusion: tuple[str, ...]
    exclusion_total: int
    timeline: tuple[Stage, ...]
    interventions: tuple[str, ...]
    overview: str
    arms: tuple[Arm, ...]
    findings: tuple[Finding, ...]
    references: tuple[Reference, ...]
    badges: tuple[str, ...] = field(default=())

    @property
    def age_text(self) -> str:
        return f"{self.min_age}+" if self.max_age is None else f"{self.min_age} - {self.max_age}"

    @property
    def path(self) -> str:
        return f"/trial/{self.slug}"


def trial_slug(seed: int, index: int) -> str:
    """The slug alone (cheap: the site maps every slug at start-up)."""
    rng = random.Random(f"slug:{seed}:{index}")
    condition = condition_of(index)
    phase = rng.choice((1, 2, 3))
    month, year = rng.randint(1, 12), rng.randint(2018, 2025)
    tail = hashlib.sha1(f"{seed}:{index}".encode()).hexdigest()[:5]
    return f"phase-{phase}-{condition.mesh_slug}-{month}-{year}-{tail}"


def condition_of(index: int) -> Condition:
    return CONDITIONS[index % len(CONDITIONS)]


def make_trial(seed: int, index: int, revision: int = 0) -> SampleTrial:
    """The trial at ``index``; a higher ``revision`` changes a few visible values."""
    rng = random.Random(f"trial:{seed}:{index}")
    condition = condition_of(index)
    drug = rng.choice(_DRUGS)
    purpose = rng.choice(_PURPOSES)
    title = f"{drug} {purpose} for {condition.name}"
    acronym = "".join(rng.choice("ABCDEFGHIKLMNPRSTUVW") for _ in range(rng.randint(3, 6)))
    sponsor, sponsor_trials, recruited = rng.choice(_SPONSORS)
    city, state = rng.choice(_CITIES)
    phase = rng.choice(_PHASES)
    min_age = rng.choice((18, 18, 18, 40, 50, 65, 12))
    max_age = rng.choice((None, None, 65, 75, 80))
    n_refs = rng.randint(3, 11)
    references = tuple(
        Reference(
            number=n,
            title=_reference_title(rng, drug, condition.name),
            year=rng.randint(2015, 2024),
            source="pubmed.ncbi.nlm.nih.gov" if rng.random() < 0.3 else None,
        )
        for n in range(1, n_refs + 1)
    )
    qa = tuple(
        QA(
            question=q.format(drug=drug, condition=condition.name.lower()),
            answer=_sentences(rng, drug, condition.name, rng.randint(1, 2)),
            citations=tuple(sorted(rng.sample(range(1, n_refs + 1), rng.randint(0, 3)))),
        )
        for q in _QUESTIONS[: rng.randint(3, 5)]
    )
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    investigators = (
        Investigator(f"{first} {last}", rng.choice(_DEGREES), "Principal Investigator", sponsor),
    )
    inclusion_total, exclusion_total = rng.randint(3, 12), rng.randint(3, 20)
    arms = tuple(
        Arm(
            label=drug
            if i == 0
            else rng.choice(("Placebo", "Standard of Care", f"Low-dose {drug}")),
            type="Experimental Treatment"
            if i == 0
            else rng.choice(("Placebo Group", "Active Control")),
            description=_sentences(rng, drug, condition.name, 2),
            interventions=(drug,) if i == 0 else ("Placebo",),
        )
        for i in range(rng.randint(1, 3))
    )
    no_placebo = all(a.type != "Placebo Group" for a in arms)
    findings = tuple(
        Finding(
            texts=tuple(_sentences(rng, drug, condition.name, 1) for _ in range(rng.randint(1, 2))),
            title=ref.title,
            authors=rng.choice(_AUTHORS),
            year=ref.year,
        )
        for ref in references[: rng.randint(1, min(3, n_refs))]
    )
    badges = tuple(
        b for b, on in (("No Placebo Group", no_placebo), ("Pivotal Trial", "3" in phase)) if on
    )
    return SampleTrial(
        index=index,
        slug=trial_slug(seed, index),
        revision=revision,
        condition=condition,
        title=title,
        acronym=acronym,
        category=rng.choice(_CATEGORIES),
        status=rng.choice(_STATUSES),
        phase=phase,
        enrollment=rng.randint(20, 600) + revision,
        site_count=rng.randint(1, 40),
        min_age=min_age,
        max_age=max_age if max_age is None or max_age > min_age else None,
        sex=rng.choice(_SEXES),
        sponsor=sponsor,
        sponsor_trials=sponsor_trials,
        sponsor_recruited=recruited,
        city=city,
        state=state,
        required_medications=(rng.choice(_MEDICATIONS),) if rng.random() < 0.4 else (),
        no_placebo=no_placebo,
        prior_safety_data=rng.random() < 0.6,
        approved_jurisdictions=rng.choice((0, 0, 1, 2, 3)),
        summary=_sentences(rng, drug, condition.name, 2)
        + (f" Revised {revision} times." if revision else ""),
        qa=qa,
        investigators=investigators,
        eligibility_summary=_sentences(rng, drug, condition.name, 2),
        inclusion=_criteria(rng, condition.name, include=True),
        inclusion_total=inclusion_total,
        exclusion=_criteria(rng, condition.name, include=False),
        exclusion_total=exclusion_total,
        timeline=(
            Stage(
                "Screening",
                "Participants are screened for eligibility",
                rng.choice(("2-4 weeks", "3 weeks", "1 week")),
            ),
            Stage(
                "Treatment",
                f"Participants receive {drug}",
                rng.choice(("12 weeks", "6 months", "5 years", "Varies")),
            ),
            Stage(
                "Follow-up",
                "Participants are monitored for safety and effectiveness",
                rng.choice(("4 weeks", "1 year")),
            ),
        ),
        interventions=tuple(dict.fromkeys(i for a in arms for i in a.interventions)),
        overview=_sentences(rng, drug, condition.name, 2),
        arms=arms,
        findings=findings,
        references=references,
        badges=badges,
    )


def _reference_title(rng: random.Random, drug: str, condition: str) -> str:
    kind = rng.choice(("A Review", "a randomised trial", "an update", "long-term outcomes"))
    return f"{drug} in {condition.lower()}: {kind} of study {rng.randint(100, 999)}."


_SENTENCE_PARTS = (
    "{drug} has been studied in people with {condition} across several trials",
    "the study looks at the benefits and risks of {drug} over time",
    "participants are followed closely to record side effects of {drug}",
    "earlier work in {condition} suggested {drug} may slow the disease",
    "researchers compare {drug} with the usual care for {condition}",
    "the trial measures quality of life and symptoms of {condition}",
)


def _sentences(rng: random.Random, drug: str, condition: str, n: int) -> str:
    parts = [
        rng.choice(_SENTENCE_PARTS).format(drug=drug, condition=condition.lower()) for _ in range(n)
    ]
    return " ".join(p[0].upper() + p[1:] + "." for p in parts)


def _criteria(rng: random.Random, condition: str, *, include: bool) -> tuple[str, ...]:
    """Three distinct first-person criteria, as the page shows them."""
    pool = (
        (
            f"I have been diagnosed with {condition.lower()}.",
            "I am 18 years old or older.",
            "I can take daily medication by mouth.",
            "My organs are working well enough for treatment.",
        )
        if include
        else (
            "I am pregnant or breastfeeding.",
            "I have had another cancer within the last 3 years.",
            "My blood pressure is not well-managed.",
            "I have an active infection needing treatment.",
        )
    )
    return tuple(rng.sample(pool, 3))
