"""`trialdex bench parse`: listing-page extraction speed against a bare BeautifulSoup build.

Generates listing pages in the three DOM styles `parsers.listing` reads (React
with hashed classes and ``<sup>`` citations, semantic HTML, text in ``<p>``
with glued citation digits), varying the content of the seed page, then on
one core and in the same run times (a) ``parse_listing`` for every page and
(b) ``BeautifulSoup(body, "lxml")`` for the same pages. Prints the median of
several rounds as pages/s and the ratio; the goal is a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from html import escape
from typing import Any

_VOCABULARY = """therapy maintenance patients disease treatment survival response dose daily cycle
safety study trial cancer myeloma adults outcomes monitoring effects benefit risk clinical
weekly infusion tablet placebo control group memory sleep pain blood heart lung kidney liver"""
WORDS = _VOCABULARY.split()
DRUGS = ["Lenalidomide", "Letrozole", "Ketamine", "Metformin", "Psilocybin", "Semaglutide"]
CONDITIONS = ["Multiple Myeloma", "Breast Cancer", "Depression", "Migraine", "Type 2 Diabetes"]
ORGS = ["Memorial Sloan Kettering Cancer Center", "Northwind University", "Acme Pharma Inc."]
PEOPLE = ["Alexander Lesokhin, MD", "Jane Roe, PhD, RN", "Sam Poe, MD, MPH"]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def page_spec(rng: random.Random) -> dict[str, Any]:
    """Random content shaped like the seed page."""
    drug = rng.choice(DRUGS)
    condition = rng.choice(CONDITIONS)
    n_refs = rng.randint(0, 14)
    qa = []
    for _ in range(rng.randint(2, 6)):
        cites = sorted(rng.sample(range(1, n_refs + 1), min(n_refs, rng.randint(0, 5))))
        qa.append((_sentence(rng, 6)[:-1] + "?", _sentence(rng, rng.randint(30, 90)), cites))
    return {
        "title": f"{drug} {rng.choice(['Maintenance', 'Therapy', 'Program'])} for {condition}",
        "needed": rng.randint(10, 900),
        "sites": rng.randint(1, 40),
        "age": rng.choice(["18+", "18 - 75", "65 and older"]),
        "sex": rng.choice(["Any", "Female", "Male"]),
        "phase": rng.choice(["Phase 1", "Phase 2", "Phase 3", "Phase 1 & 2"]),
        "sponsor": rng.choice(ORGS),
        "qa": qa,
        "person": rng.choice(PEOPLE),
        "summary": _sentence(rng, 70),
        "inclusion": [_sentence(rng, 9) for _ in range(rng.randint(1, 4))],
        "exclusion": [_sentence(rng, 9) for _ in range(rng.randint(1, 4))],
        "more": (rng.randint(0, 9), rng.randint(0, 20)),
        "timeline": [
            ("Screening", _sentence(rng, 8)[:-1], "2-4 weeks"),
            ("Treatment", _sentence(rng, 12)[:-1], f"{rng.randint(1, 5)} years"),
            ("Follow-up", _sentence(rng, 8)[:-1], f"{rng.randint(2, 8)} weeks"),
        ],
        "drug": drug,
        "arm": _sentence(rng, 40),
        "stats": (f"{rng.randint(10, 3000):,}", f"{rng.randint(1000, 900000):,}+"),
        "findings": [
            (_sentence(rng, 45), _sentence(rng, 14), "Syed, YY", rng.randint(2000, 2025))
            for _ in range(rng.randint(1, 4))
        ],
        "refs": [(_sentence(rng, 12), rng.randint(1990, 2025)) for _ in range(n_refs)],
    }


def _text_lines(spec: dict[str, Any], glued: bool) -> list[str]:
    """The visible lines of the page (``glued``: citations as digits after the text)."""
    s = spec
    lines = [
        f"{s['needed']} Participants Needed",
        s["title"],
        f"Recruiting at {s['sites']} trial locations",
        f"Age: {s['age']}",
        f"Sex: {s['sex']}",
        f"Trial Phase: {s['phase']}",
        f"Sponsor: {s['sponsor']}",
        "No Placebo GroupAll trial participants will receive the active study treatment",
        "Prior Safety DataThis treatment has passed at least one previous human trial",
        "Trial Summary",
    ]
    for question, answer, cites in s["qa"]:
        lines += [question, answer + ("".join(map(str, cites)) if glued else "")]
    lines += ["Research Team", "".join(w[0] for w in s["person"].split()[:2]), s["person"]]
    lines += ["Principal Investigator", s["sponsor"], "Eligibility Criteria", s["summary"]]
    lines += ["Inclusion Criteria", *s["inclusion"], f"See {s['more'][0]} more"]
    lines += ["Exclusion Criteria", *s["exclusion"], f"See {s['more'][1]} more", "Timeline"]
    for stage in s["timeline"]:
        lines += list(stage)
    lines += ["Treatment Details", "Interventions", f"• {s['drug']}", "Participant Groups"]
    lines += ["1Treatment groups", f"Group I: {s['drug']}Experimental Treatment1 Intervention"]
    lines += [s["arm"], "Who Is Running the Clinical Trial?", s["sponsor"], "Lead Sponsor"]
    lines += ["Trials", s["stats"][0], "Recruited", s["stats"][1], "Findings from Research"]
    for claim, title, authors, year in s["findings"]:
        lines += [claim, f"{title}{authors}.[{year}]"]
    if s["refs"]:
        lines.append("References")
        for number, (title, year) in enumerate(s["refs"], start=1):
            if number >= 10:
                lines.append(f"{number}.United Statespubmed.ncbi.nlm.nih.gov")
            lines.append(f"{title} [{year}]")
    return lines


def render_paragraphs(spec: dict[str, Any]) -> str:
    body = "\n".join(f"<p>{escape(line)}</p>" for line in _text_lines(spec, glued=True))
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>\n{body}\n</body></html>"
    )


def render_react(spec: dict[str, Any], rng: random.Random) -> str:
    def cls() -> str:
        return "css-" + "".join(rng.choice("abcdefghij0123456789") for _ in range(6))

    parts = []
    qa_answers = {answer: cites for _, answer, cites in spec["qa"]}
    for line in _text_lines(spec, glued=False):
        cites = qa_answers.get(line)
        sups = "".join(f'<sup class="{cls()}">{n}</sup>' for n in cites or [])
        if ": " in line and line.split(": ")[0] in {"Age", "Sex", "Trial Phase", "Sponsor"}:
            label, value = line.split(": ", 1)
            inner = (
                f'<span class="{cls()}">{label}: </span>'
                f'<span class="{cls()}">{escape(value)}</span>'
            )
        else:
            inner = escape(line) + sups
        parts.append(f'<div class="{cls()}"><div class="{cls()}">{inner}</div></div>')
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><style>.a{}</style></head>"
        f'<body><div id="__next"><main class="{cls()}">'
        + "\n".join(parts)
        + "</main></div></body></html>"
    )


def render_semantic(spec: dict[str, Any]) -> str:
    headings = {
        "Trial Summary",
        "Research Team",
        "Eligibility Criteria",
        "Timeline",
        "Treatment Details",
        "Who Is Running the Clinical Trial?",
        "Findings from Research",
        "References",
    }
    out = []
    cites = {answer: c for _, answer, c in spec["qa"]}
    for line in _text_lines(spec, glued=False):
        if line in headings:
            out.append(f"</section><section><h2>{escape(line)}</h2>")
        elif line == spec["title"]:
            out.append(f"<h1>{escape(line)}</h1>")
        elif line in cites:
            sup = f"<sup>{','.join(map(str, cites[line]))}</sup>" if cites[line] else ""
            out.append(f"<p>{escape(line)}{sup}</p>")
        elif line.endswith("?"):
            out.append(f"<h3>{escape(line)}</h3>")
        else:
            out.append(f"<p>{escape(line)}</p>")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>t</title></head>"
        "<body><article><section>" + "\n".join(out) + "</section></article></body></html>"
    )


def generate_pages(count: int, seed: int = 1) -> list[tuple[bytes, str, dict[str, Any]]]:
    """``count`` pages (body, url, spec), cycling through the three DOM styles."""
    rng = random.Random(seed)
    pages = []
    for index in range(count):
        spec = page_spec(rng)
        style = index % 3
        if style == 0:
            html = render_react(spec, rng)
        elif style == 1:
            html = render_semantic(spec)
        else:
            html = render_paragraphs(spec)
        slug = f"phase-2-multiple-myeloma-{index % 12 + 1}-2020-{index:05x}"
        url = f"https://www.withpower.com/trial/{slug}"
        pages.append((html.encode("utf-8"), url, spec))
    return pages


def _timed(rounds: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(argv: list[str]) -> int:
    from bs4 import BeautifulSoup

    from parsers.citations import readings
    from parsers.errors import ParseError
    from parsers.listing import parse_listing
    from parsers.listing.dom import build_tree

    parser = argparse.ArgumentParser(prog="trialdex bench parse", description=__doc__)
    parser.add_argument("--pages", type=int, default=1200, help="pages to generate (default 1200)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the median is shown")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    pages = generate_pages(args.pages, args.seed)
    failures = 0
    mismatches = 0
    for body, url, spec in pages:
        try:
            record = parse_listing(body, url)
        except ParseError as exc:
            failures += 1
            print(f"  failed: {exc}")
            continue
        if (
            record.title != spec["title"]
            or len(record.qa) != len(spec["qa"])
            or len(record.references) != len(spec["refs"])
            or any(
                q.citations != cites
                for q, (_, _, cites) in zip(record.qa, spec["qa"], strict=False)
                # glued digits such as "12" with 12 references can be read two ways
                if len(readings("".join(map(str, cites)), len(spec["refs"]))) <= 1
            )
        ):
            mismatches += 1

    def extract() -> None:
        for body, url, _ in pages:
            parse_listing(body, url)

    def build() -> None:
        for body, _, _ in pages:
            BeautifulSoup(body, "lxml")

    def lxml_only() -> None:
        for body, url, _ in pages:
            build_tree(body, url)

    extract_s = _timed(args.rounds, extract)
    build_s = _timed(args.rounds, build)
    lxml_s = _timed(args.rounds, lxml_only)
    mean_kb = statistics.mean(len(b) for b, _, _ in pages) / 1024
    n = len(pages)
    print(f"listing pages: {n} generated (3 DOM styles), mean size {mean_kb:.1f} KiB, one core")
    print(
        f"parse_listing:           {n / extract_s:8.0f} pages/s  (median of {args.rounds} rounds)"
    )
    print(f"BeautifulSoup(lxml) only: {n / build_s:8.0f} pages/s")
    print(f"lxml.html tree only:      {n / lxml_s:8.0f} pages/s  (the tree parse_listing builds)")
    ratio = extract_s / build_s
    verdict = "ok" if ratio <= 1.5 else "MISSED"
    print(f"extraction / tree build:  {ratio:8.2f}x  (goal <= 1.5x) {verdict}")
    print(f"failed pages: {failures}; records that differ from the generated content: {mismatches}")
    return 0 if failures == 0 and mismatches == 0 else 1
