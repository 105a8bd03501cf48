"""HTML of the sample site: trial pages in three DOM styles, condition listings, robots, sitemap.

Styles of trial page (the same visible headings and labels as the seed page):

``react``   the newer layout as a client-rendered app would serve it: nested divs
            with hashed class names that change every deploy, citations as
            separate ``<sup>`` elements;
``plain``   the newer layout as plain server-rendered HTML: ``<section>``,
            ``<h2>``, lists; citations glued to the sentence ("study.12345"),
            as in extracted page text;
``legacy``  the older layout of 2020 pages: "Led By", "Research Sponsored by",
            "Eligibility Criteria Checklist" (Must have / Must not have),
            "Awards & highlights", "<ACRONYM> Trial Summary". It shows a subset of
            the trial: no participant count, ages, Q&A answers, findings or references,
            and its title carries "(<ACRONYM> Trial)".

``layout_version=2`` simulates a site redesign: headings renamed or removed,
so a parser's quality gate should notice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape
from typing import Literal

from devtools.sample_data import CONDITIONS, Condition, SampleTrial

Style = Literal["react", "plain", "legacy"]
STYLES: tuple[Style, ...] = ("react", "plain", "legacy")

_HEADINGS: dict[int, dict[str, str | None]] = {
    1: {
        "summary": "Trial Summary",
        "team": "Research Team",
        "eligibility": "Eligibility Criteria",
        "inclusion": "Inclusion Criteria",
        "exclusion": "Exclusion Criteria",
        "timeline": "Timeline",
        "treatment": "Treatment Details",
        "groups": "Participant Groups",
        "sponsor": "Who Is Running the Clinical Trial?",
        "findings": "Findings from Research",
        "references": "References",
        "needed": "{n} Participants Needed",
        "details": "Trial Details",
        "age": "Age: ",
        "sex": "Sex: ",
        "phase": "Trial Phase: ",
        "sponsor_label": "Sponsor: ",
    },
    2: {
        "summary": "About This Study",
        "team": None,
        "eligibility": "Who Can Join",
        "inclusion": "You Can Join If",
        "exclusion": "You Can't Join If",
        "timeline": "Study Schedule",
        "treatment": "What You'll Receive",
        "groups": "Study Arms",
        "sponsor": "Organised By",
        "findings": None,
        "references": "Sources",
        "needed": "{n} spots left",
        "details": "Key Facts",
        "age": "Ages ",
        "sex": "Open to ",
        "phase": "Stage ",
        "sponsor_label": "Run by ",
    },
}


def _h(version: int, key: str) -> str | None:
    return _HEADINGS[2 if version >= 2 else 1][key]


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _page(title: str, body: str, canonical: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>"
        f'<link rel="canonical" href="{_e(canonical)}">'
        f"</head><body>{body}</body></html>\n"
    )


def _locations(n: int) -> str:
    return f"Recruiting at {n} trial location{'s' if n != 1 else ''}"


def _cites_sup(numbers: Sequence[int]) -> str:
    return "".join(f"<sup>{n}</sup>" for n in numbers)


def _reference_line(trial: SampleTrial, number: int) -> str:
    ref = trial.references[number - 1]
    return f"{ref.title} [{ref.year}]"


def render_trial(
    trial: SampleTrial, style: Style, base_url: str, *, layout_version: int = 1, salt: str = ""
) -> str:
    """The trial page in one DOM style."""
    canonical = f"{base_url}{trial.path}"
    if style == "legacy":
        body = _legacy(trial, layout_version)
    elif style == "react":
        body = _react(trial, layout_version, salt)
    else:
        body = _plain(trial, layout_version)
    return _page(f"{trial.title} | Power", body, canonical)


def _facts(trial: SampleTrial, v: int) -> list[str]:
    facts = [
        _locations(trial.site_count),
        f"{_h(v, 'age')}{trial.age_text}",
        f"{_h(v, 'sex')}{trial.sex}",
        f"{_h(v, 'phase')}{trial.phase}",
        f"{_h(v, 'sponsor_label')}{trial.sponsor}",
    ]
    facts += [f"Must be taking: {m}" for m in trial.required_medications]
    return facts


def _flags(trial: SampleTrial) -> list[tuple[str, str]]:
    flags = []
    if trial.no_placebo:
        flags.append(
            ("No Placebo Group", "All trial participants will receive the active study treatment")
        )
    if trial.prior_safety_data:
        flags.append(("Prior Safety Data", "This treatment has passed a previous human trial"))
    if trial.approved_jurisdictions:
        n = trial.approved_jurisdictions
        flags.append(
            (
                f"Approved in {n} Jurisdiction{'s' if n != 1 else ''}",
                "This treatment is already approved in other countries",
            )
        )
    return flags


def _plain(trial: SampleTrial, v: int) -> str:
    needed = str(_h(v, "needed")).format(n=trial.enrollment)
    out = [
        f'<header><a href="/clinical-trials/for-{trial.condition.slug}">← Back to Search</a>',
        f'<p class="enrollment">{_e(needed)}</p><h1>{_e(trial.title)}</h1>',
        '<ul class="facts">' + "".join(f"<li>{_e(f)}</li>" for f in _facts(trial, v)) + "</ul>",
        '<ul class="flags">'
        + "".join(f"<li><strong>{_e(a)}</strong>{_e(b)}</li>" for a, b in _flags(trial))
        + "</ul></header><main>",
        f'<section id="summary"><h2>{_e(_h(v, "summary"))}</h2>',
    ]
    for qa in trial.qa:
        cites = "".join(str(n) for n in qa.citations)
        out.append(f"<h3>{_e(qa.question)}</h3><p>{_e(qa.answer)}{cites}</p>")
    out.append("</section>")
    team = _h(v, "team")
    if team:
        out.append(f'<section id="team"><h2>{_e(team)}</h2>')
        for inv in trial.investigators:
            initials = "".join(w[0] for w in inv.name.split())
            out.append(
                f'<div class="person"><span class="avatar">{initials}</span>'
                f"<p>{_e(inv.display)}</p><p>{_e(inv.role)}</p><p>{_e(inv.affiliation)}</p></div>"
            )
        out.append("</section>")
    out.append(_plain_eligibility(trial, v))
    out.append(f'<section id="timeline"><h2>{_e(_h(v, "timeline"))}</h2>')
    for st in trial.timeline:
        out.append(f"<h3>{_e(st.stage)}</h3><p>{_e(st.description)}</p><p>{_e(st.text)}</p>")
    out.append("</section>")
    out.append(_plain_treatment(trial, v))
    out.append(_plain_sponsor(trial, v))
    findings = _h(v, "findings")
    if findings:
        out.append(f'<section id="findings"><h2>{_e(findings)}</h2>')
        for f in trial.findings:
            out.extend(f"<p>{_e(t)}</p>" for t in f.texts)
            out.append(f"<p>{_e(f.title)}{_e(f.authors)}[{f.year}]</p>")
        out.append("</section>")
    out.append(f'<section id="references"><h2>{_e(_h(v, "references"))}</h2><ol>')
    for ref in trial.references:
        # As on the live site: a sourced entry is preceded by "N. <country> <database>".
        line = _e(_reference_line(trial, ref.number))
        if ref.source:
            line = f"<small>{ref.number}. United States {_e(ref.source)}</small><br>{line}"
        out.append(f"<li>{line}</li>")
    out.append("</ol></section>")
    out.append(_similar(trial))
    out.append("</main>")
    return "".join(out)


def _plain_eligibility(trial: SampleTrial, v: int) -> str:
    out = [
        f'<section id="eligibility"><h2>{_e(_h(v, "eligibility"))}</h2>',
        f"<p>{_e(trial.eligibility_summary)}</p>",
    ]
    for key, shown, total in (
        ("inclusion", trial.inclusion, trial.inclusion_total),
        ("exclusion", trial.exclusion, trial.exclusion_total),
    ):
        out.append(f"<h3>{_e(_h(v, key))}</h3><ul>")
        out.extend(f"<li>{_e(c)}</li>" for c in shown)
        out.append("</ul>")
        if total > len(shown):
            out.append(f'<button type="button">See {total - len(shown)} more</button>')
    out.append("</section>")
    return "".join(out)


def _plain_treatment(trial: SampleTrial, v: int) -> str:
    out = [
        f'<section id="treatment"><h2>{_e(_h(v, "treatment"))}</h2><h3>Interventions</h3><ul>',
        *(f"<li>{_e(i)}</li>" for i in trial.interventions),
        f"</ul><p><strong>Trial Overview</strong> {_e(trial.overview)}</p>",
        f"<h3>{_e(_h(v, 'groups'))}</h3>",
        f"<p>{len(trial.arms)}Treatment groups</p>",
    ]
    for n, arm in enumerate(trial.arms, 1):
        out.append(
            f"<h4>Group {_roman(n)}: {_e(arm.label)}</h4><p>{_e(arm.type)}</p>"
            f"<p>{len(arm.interventions)} Intervention</p><p>{_e(arm.description)}</p>"
        )
    out.append("</section>")
    return "".join(out)


def _plain_sponsor(trial: SampleTrial, v: int) -> str:
    return (
        f'<section id="sponsor"><h2>{_e(_h(v, "sponsor"))}</h2>'
        f"<p>{_e(trial.sponsor)}</p><p>Lead Sponsor</p>"
        f"<dl><dt>Trials</dt><dd>{trial.sponsor_trials:,}</dd>"
        f"<dt>Recruited</dt><dd>{trial.sponsor_recruited:,}+</dd></dl></section>"
    )


def _roman(n: int) -> str:
    return ("I", "II", "III", "IV", "V")[n - 1]


def _similar(trial: SampleTrial) -> str:
    # Links back to the listing: a duplicate of a link the crawler has already seen.
    return (
        '<nav class="similar"><h2>Similar Trials</h2>'
        f'<a href="/clinical-trials/for-{trial.condition.slug}">'
        f"More {_e(trial.condition.name)} trials</a></nav>"
    )


class _Hashed:
    """Class names like a CSS-in-JS build: stable within a deploy, different across."""

    def __init__(self, salt: str) -> None:
        self.salt = salt

    def __call__(self, role: str) -> str:
        return "css-" + hashlib.sha1(f"{self.salt}:{role}".encode()).hexdigest()[:7]


def _react(trial: SampleTrial, v: int, salt: str) -> str:
    c = _Hashed(f"{salt}:{v}")
    back = f"/clinical-trials/for-{trial.condition.slug}"
    needed = str(_h(v, "needed")).format(n=trial.enrollment)

    def section(title: str | None, inner: str) -> str:
        if title is None:
            return ""
        return (
            f'<div class="{c("section")}"><div class="{c("heading")}">'
            f'<h2 class="{c("h2")}">{_e(title)}</h2></div>'
            f'<div class="{c("body")}">{inner}</div></div>'
        )

    def div(role: str, text: str) -> str:
        return f'<div class="{c(role)}">{text}</div>'

    facts = "".join(
        div(
            "fact",
            f'<span class="{c("label")}">{_e(f.split(": ", 1)[0])}: </span>'
            f'<span class="{c("value")}">{_e(f.split(": ", 1)[1])}</span>',
        )
        if ": " in f
        else div("fact", _e(f))
        for f in _facts(trial, v)
    )
    flags = "".join(
        div("flag", f'<span class="{c("flag-title")}">{_e(a)}</span>{_e(b)}')
        for a, b in _flags(trial)
    )
    qa = "".join(
        div(
            "qa",
            f'<h3 class="{c("q")}">{_e(q.question)}</h3>'
            f'<p class="{c("a")}">{_e(q.answer)}{_cites_sup(q.citations)}</p>',
        )
        for q in trial.qa
    )
    team = "".join(
        div(
            "person",
            div("avatar", "".join(w[0] for w in inv.name.split()))
            + div("name", _e(inv.display))
            + div("role", _e(inv.role))
            + div("org", _e(inv.affiliation)),
        )
        for inv in trial.investigators
    )
    crit = div("summary", _e(trial.eligibility_summary))
    for key, shown, total in (
        ("inclusion", trial.inclusion, trial.inclusion_total),
        ("exclusion", trial.exclusion, trial.exclusion_total),
    ):
        items = "".join(div("criterion", _e(x)) for x in shown)
        more = div("more", f"See {total - len(shown)} more") if total > len(shown) else ""
        crit += f'<h3 class="{c("h3")}">{_e(_h(v, key))}</h3>' + items + more
    timeline = "".join(
        div(
            "stage",
            div("stage-name", _e(s.stage))
            + div("stage-desc", _e(s.description))
            + div("stage-time", _e(s.text)),
        )
        for s in trial.timeline
    )
    arms = "".join(
        div(
            "arm",
            f"Group {_roman(n)}: {_e(a.label)}{_e(a.type)}{len(a.interventions)} Intervention"
            + div("arm-desc", _e(a.description)),
        )
        for n, a in enumerate(trial.arms, 1)
    )
    treatment = (
        f'<h3 class="{c("h3")}">Interventions</h3>'
        + "".join(div("intervention", f"• {_e(i)}") for i in trial.interventions)
        + div("overview", f"Trial Overview {_e(trial.overview)}")
        + f'<h3 class="{c("h3")}">{_e(_h(v, "groups"))}</h3>'
        + div("groups", f"{len(trial.arms)}Treatment groups")
        + arms
    )
    sponsor = (
        div("org", _e(trial.sponsor))
        + div("org-role", "Lead Sponsor")
        + div("stat", f"Trials{div('n', f'{trial.sponsor_trials:,}')}")
        + div("stat", f"Recruited{div('n', f'{trial.sponsor_recruited:,}+')}")
    )
    findings = "".join(
        "".join(div("finding", _e(t)) for t in f.texts)
        + div("finding-src", f"{_e(f.title)}{_e(f.authors)}[{f.year}]")
        for f in trial.findings
    )
    refs = "".join(
        div(
            "ref",
            (div("ref-src", f"{r.number}.United States{_e(r.source)}") if r.source else "")
            + div("ref-title", _e(_reference_line(trial, r.number))),
        )
        for r in trial.references
    )
    return (
        f'<div id="__next"><div class="{c("page")}">'
        f'<a class="{c("back")}" href="{back}">← Back to Search</a>'
        + div("needed", _e(needed))
        + f'<h1 class="{c("title")}">{_e(trial.title)}</h1>'
        + div("facts", facts)
        + div("flags", flags)
        + section(_h(v, "summary"), qa)
        + section(_h(v, "team"), team)
        + section(_h(v, "eligibility"), crit)
        + section(_h(v, "timeline"), timeline)
        + section(_h(v, "treatment"), treatment)
        + div("cta", "Find a Clinic Near You")
        + section(_h(v, "sponsor"), sponsor)
        + section(_h(v, "findings"), findings)
        + section(_h(v, "references"), refs)
        + _similar(trial)
        + "</div></div>"
        + '<script id="__NEXT_DATA__" type="application/json">{"page":"/trial/[slug]"}</script>'
    )


def _legacy(trial: SampleTrial, v: int) -> str:
    acr = trial.acronym
    summary_heading = f"{acr} Trial Summary" if v < 2 else "Overview"
    criteria_heading = f"{acr} Trial Eligibility Criteria" if v < 2 else "Can I Join?"
    checklist = "Eligibility Criteria Checklist" if v < 2 else "Quick Check"
    back = f"/clinical-trials/for-{trial.condition.slug}"
    out = [
        f'<div class="banner"><a href="{back}">← Back to Search</a></div>',
        f'<span class="tag">{_e(trial.category)}</span>',
        f"<h1>{_e(trial.title)} ({_e(acr)} Trial)</h1>",
        f'<div class="phase">{_e(trial.phase)}</div>',
        f'<div class="status">{_e(trial.status)}</div>',
    ]
    if trial.investigators:
        out.append(f"<p>Led By {_e(trial.investigators[0].display)}</p>")
    out.append(f"<p>Research Sponsored by {_e(trial.sponsor)}</p>")
    out.append(
        f"<section><h2>{checklist}</h2><p>Specific guidelines that determine who can or cannot"
        " participate in a clinical trial</p>"
        "<h3>Must have</h3><ul>"
        + "".join(f"<li>{_e(x)}</li>" for x in trial.inclusion[:2])
        + "</ul><h3>Must not have</h3><ul>"
        + "".join(f"<li>{_e(x)}</li>" for x in trial.exclusion[:2])
        + "</ul></section>"
    )
    out.append("<section><h2>Timeline</h2><dl>")
    for st in trial.timeline:
        name = "Follow Up" if st.stage == "Follow-up" else st.stage
        out.append(f"<dt>{_e(name)}</dt><dd>{_e(st.text)}</dd>")
    out.append("</dl></section>")
    awards = [b.replace("No Placebo Group", "No Placebo-Only Group") for b in trial.badges]
    out.append(
        "<section><h2>Awards &amp; highlights</h2><ul>"
        + "".join(f"<li>{_e(a)}</li>" for a in awards)
        + "</ul></section>"
    )
    out.append(
        f"<section><h2>{_e(summary_heading)}</h2><p>{_e(trial.summary)}</p>"
        f"<h3>Who is the study for?</h3><p>{_e(trial.eligibility_summary)} "
        '<a href="#eligibility">Check my eligibility</a></p>'
        f"<h3>What is being tested?</h3><p>{_e(trial.overview)} "
        '<a href="#design">See study design</a></p>'
        "<h3>What are the potential side effects?</h3>"
        f"<p>{_e(trial.qa[-1].answer)}</p></section>"
    )
    out.append(
        f'<section id="eligibility"><h2>{_e(criteria_heading)}</h2>'
        "<h3>Inclusion Criteria</h3><p>You may be eligible if you check “Yes” for the criteria"
        " below</p><ul>"
    )
    select = "<select><option>Select...</option><option>Yes</option><option>No</option></select>"
    out.extend(f"<li>{_e(x)} {select}</li>" for x in trial.inclusion)
    out.append("</ul><h3>Exclusion Criteria</h3><ul>")
    out.extend(f"<li>{_e(x)} {select}</li>" for x in trial.exclusion)
    out.append("</ul></section>")
    out.append(_similar(trial))
    return "".join(out)


def render_listing(
    condition: Condition,
    trials: Sequence[SampleTrial],
    *,
    page: int,
    n_pages: int,
    total: int,
    layout_version: int = 1,
    trial_href: dict[str, list[str]] | None = None,
    extra_links: Sequence[tuple[str, str]] = (),
    conditions: Sequence[Condition] = CONDITIONS,
    base_url: str = "",
) -> str:
    """One page of a condition listing: cards, pagination, the condition menu.

    ``trial_href`` overrides a card's link(s) by slug: the sample site uses it for
    redirects (an old URL), duplicates (two links) and disallowed drafts.
    """
    v = layout_version
    path = f"/clinical-trials/for-{condition.slug}"
    out = [
        f"<header><h1>{_e(condition.name)}</h1><p>Current Location</p>",
        f"<h2>{total} {_e(condition.name)} Trials Near You</h2>",
        "<p>Power is an online platform that helps thousands of patients find trials.</p>",
        '<a href="/learning-center/how-do-clinical-trials-work">Learn More About Power</a>',
        '<ul class="filters">'
        + "".join(
            f"<li>{x}</li>"
            for x in (
                "No Placebo",
                "Highly Paid",
                "Stay on Current Meds",
                "Pivotal Trials (Near Approval)",
                "Breakthrough Medication",
            )
        )
        + "</ul></header><main>",
    ]
    for t in trials:
        hrefs = (trial_href or {}).get(t.slug, [t.path])
        card = [f'<article class="card"><a href="{_e(hrefs[0])}"><h3>{_e(t.title)}</h3></a>']
        card.append(f"<p>{_e(t.city)}, {_e(t.state)}</p><p>{_e(t.summary)}</p>")
        card.append("".join(f'<span class="badge">{_e(b)}</span>' for b in t.badges))
        card.append(
            f"<h4>{_e(_h(v, 'details'))}</h4><ul>"
            f"<li>Trial Status:{_e(t.status)}</li><li>Trial Phase:{_e(t.phase)}</li>"
            f"<li>Age:{_e(t.age_text)}</li><li>Sex:{_e(t.sex)}</li></ul>"
        )
        needed = str(_h(v, "needed")).format(n=t.enrollment)
        card.extend(f'<a class="more" href="{_e(h)}">{_e(needed)}</a>' for h in hrefs[1:])
        if len(hrefs) == 1:
            card.append(f"<p>{_e(needed)}</p>")
        card.append("</article>")
        out.append("".join(card))
    out.append('<nav class="pagination">')
    if page > 1:
        prev = path if page == 2 else f"{path}?page={page - 1}"
        out.append(f'<a href="{prev}">Previous</a>')
    for n in range(1, n_pages + 1):
        href = path if n == 1 else f"{path}?page={n}"
        out.append(f"<span>{n}</span>" if n == page else f'<a href="{href}">{n}</a>')
    if page < n_pages:
        out.append(f'<a href="{path}?page={page + 1}">Next</a>')
    out.append("</nav></main><aside><h2>Browse by condition</h2><ul>")
    out.extend(
        f'<li><a href="/clinical-trials/for-{c.slug}">{_e(c.name)}</a></li>' for c in conditions
    )
    out.append("</ul>")
    out.extend(f'<a href="{_e(href)}">{_e(text)}</a>' for href, text in extra_links)
    out.append("</aside>")
    canonical = base_url + (path if page == 1 else f"{path}?page={page}")
    return _page(f"{condition.name} Clinical Trials | Power", "".join(out), canonical)


def render_robots(
    base_url: str, disallowed: Sequence[str], *, crawl_delay: float | None = None
) -> str:
    delay = [f"Crawl-delay: {crawl_delay:g}"] if crawl_delay else []
    lines = [
        "User-agent: *",
        *(f"Disallow: {d}" for d in disallowed),
        *delay,
        "",
        f"Sitemap: {base_url}/sitemap.xml",
    ]
    return "\n".join(lines) + "\n"


def render_sitemap(urls: Sequence[str]) -> str:
    body = "".join(f"<url><loc>{_e(u)}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n'
    )
