"""The trial cards of a condition listing page (``/clinical-trials/for-<condition>``) -> records.

A card is the largest element around a link to a trial page that holds no
link to another trial (links to the same trial, such as a title link and a
"See details" button, share a card). Its visible lines, top to bottom:

* the title (with a "City, State" line below it, the lines above that line;
  without one, the first line when a description follows and it is a title-case
  phrase of at most 14 words);
* "City, State" (the card's one site);
* the description (the line after the place, or the first line after the
  title), which becomes the record's summary;
* badges, one per inline piece, up to "Trial Details";
* "Trial Details", then the labels "Trial Status:", "Trial Phase:", "Age:",
  "Sex:" (read as on a trial page, `parsers.listing.labels`);
* "<N> Participants Needed", anywhere; one above "Trial Details" wins.

An element with neither "Trial Details" nor "<N> Participants Needed" is a
plain link to a trial, not a card. A card without a title takes the first
sentence of its description (at most 200 characters), with a warning; a card
with neither is skipped. The record's id is that of the trial page it links
to, so a card and its trial page give the same id; its condition is the
listing page's.

A page that yields no card is a `ParseError` unless its URL is a listing URL
(`parsers.listing.urls`): an empty listing is still a listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from parsers.errors import ParseError
from parsers.listing.assemble import fact_fields, flags, source, validated
from parsers.listing.dom import Line, absolute, anchors, build_tree, linearize
from parsers.listing.labels import (
    ENROLLMENT,
    Facts,
    is_title_case,
    label_value,
    part_badges,
    read_label,
)
from parsers.listing.urls import DEFAULT_RULES, UrlRules
from parsers.records import TrialRecord
from parsers.text_units import parse_int

__all__ = ["Card", "card_record", "parse_listing_cards", "read_card"]

_PLACE = r"[A-Z][A-Za-z.'\-]*(?: [A-Z][A-Za-z.'\-]*){0,3}"
_CITY_STATE = re.compile(rf"^{_PLACE}, {_PLACE}$")
_CARD_LABEL = re.compile(r"^(Trial Status|Trial Phase|Age|Sex|Gender)\s*:\s*(.*)$", re.I)
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")
_MANY = "\x00many"


@dataclass(frozen=True)
class Card:
    title: str | None
    description: str | None
    city: str | None
    state: str | None
    badges: tuple[str, ...]
    facts: Facts


def _card_elements(root: Any, url: str, rules: UrlRules) -> list[tuple[str, Any]]:
    """(trial URL, card element) pairs, in the order of the trial links."""
    trial_links: list[tuple[str, str, Any]] = []
    for anchor in anchors(root):
        target = absolute(url, anchor.get("href"))
        if target and rules.is_trial(target):
            trial_links.append((target.split("?", 1)[0], rules.record_id(target), anchor))
    # Which trial each element holds links to: one id, or _MANY. Each element changes state
    # at most twice, so this is linear in the size of the tree.
    owner: dict[Any, str] = {}
    for _, trial, anchor in trial_links:
        element = anchor
        while element is not None:
            held = owner.get(element)
            if held in (trial, _MANY):
                break
            owner[element] = trial if held is None else _MANY
            element = element.getparent()
    cards: list[tuple[str, Any]] = []
    seen: set[Any] = set()
    for trial_url, trial, anchor in trial_links:
        card = anchor
        parent = card.getparent()
        while parent is not None and owner.get(parent) == trial:
            card, parent = parent, parent.getparent()
        if card not in seen:
            seen.add(card)
            cards.append((trial_url, card))
    return cards


def _is_card(lines: list[Line]) -> bool:
    return any(
        ENROLLMENT.match(line.text) or line.text.lower() == "trial details" for line in lines
    )


def read_card(lines: list[Line]) -> Card:
    texts = [line.text for line in lines]
    city_at = next((i for i, t in enumerate(texts) if _CITY_STATE.match(t)), None)
    details_at = next(
        (i for i, t in enumerate(texts) if t.rstrip(":").lower() == "trial details"), len(texts)
    )
    title: str | None = None
    description: str | None = None
    city: str | None = None
    state: str | None = None
    badge_from = 0
    if city_at is not None:
        city, _, state = texts[city_at].partition(", ")
        title = " ".join(texts[:city_at]) or None
        if city_at + 1 < details_at:
            description = texts[city_at + 1]
        badge_from = city_at + 2
    elif details_at > 0:
        if details_at >= 2 and is_title_case(texts[0], 14):
            title, description, badge_from = texts[0], texts[1], 2
        else:
            description, badge_from = texts[0], 1
    badges = part_badges(lines[badge_from:details_at], skip=ENROLLMENT)
    facts = Facts()
    index = details_at
    while index + 1 < len(lines):
        index += 1
        match = _CARD_LABEL.match(texts[index])
        if match:
            value, index = label_value(lines, index, match.group(2).strip())
            if value:
                facts = read_label(facts, match.group(1), value)
            continue
        match = ENROLLMENT.match(texts[index])
        if match:
            facts = replace(facts, enrollment=parse_int(match.group(1)))
    for text in texts[:details_at]:
        match = ENROLLMENT.match(text)
        if match:
            facts = replace(facts, enrollment=parse_int(match.group(1)))
    if not title and description:
        sentence = _FIRST_SENTENCE.match(description)
        title = (sentence.group(1) if sentence else description)[:200]
        facts = facts.warn("card has no title; the first sentence of its description is used")
    return Card(title or None, description, city, state, tuple(badges), facts)


def card_record(
    card: Card,
    trial_url: str,
    body: bytes,
    page_url: str,
    *,
    fetched_at: datetime | None = None,
    rules: UrlRules = DEFAULT_RULES,
) -> TrialRecord:
    """The record of one card of the listing page at ``page_url``."""
    data: dict[str, Any] = {
        **fact_fields(card.facts),
        "id": rules.record_id(trial_url),
        "title": card.title,
        "summary": card.description,
        "conditions": rules.conditions_from_url(page_url),
        "sites": [{"city": card.city, "state": card.state}] if card.city is not None else [],
        "flags": flags(card.badges),
        "source": source(body, page_url, fetched_at, card.facts.warnings),
    }
    return validated(data, f"{page_url} (card {trial_url})")


def parse_listing_cards(
    body: bytes,
    url: str,
    *,
    fetched_at: datetime | None = None,
    rules: UrlRules = DEFAULT_RULES,
    encoding: str | None = None,
) -> list[TrialRecord]:
    """Records for the trial cards of a condition listing page (may be empty); ``encoding``
    is the HTTP response's charset when known."""
    root = build_tree(body, url, encoding=encoding)
    records: list[TrialRecord] = []
    for trial_url, element in _card_elements(root, url, rules):
        lines = linearize(element)
        if not _is_card(lines):
            continue
        card = read_card(lines)
        if card.title:
            records.append(
                card_record(card, trial_url, body, url, fetched_at=fetched_at, rules=rules)
            )
    if not records and not rules.is_listing(url):
        raise ParseError(url, "not a listing page: no trial cards found")
    return records
