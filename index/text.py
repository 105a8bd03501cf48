"""Free text for search: tokens, stop words, and synonym groups from one data file.

User text is never parsed as query syntax. It is split into word tokens
(letters and digits, as SQLite's unicode61 tokenizer and Elasticsearch's
standard tokenizer both do for ordinary words); stop words are dropped; a run
of tokens naming a synonym group becomes one clause matching any name of the
group. Both backends build their queries from the same clauses, over the
fields the record's markers boost and highlight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from index.fields import record_fields

# Lucene's English stop set (Elasticsearch's `_english_`).
_STOP_TEXT = """
a an and are as at be but by for if in into is it no not of on or such that the their
then there these they this to was will with
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

# Short text fields searched on their own with their weight (`IndexAs.boost`);
# all text of the record (these included) is also searched through one
# catch-all ("all_text" on Elasticsearch, the FTS "body" column on SQLite) with
# weight 1. Heaviest first, then by path: the order of the fields in the
# Elasticsearch query and of the SQLite FTS columns, so a new boost that sorts
# before an old one changes the FTS layout (and the file must be rebuilt).
BOOSTS: dict[str, float] = dict(
    sorted(
        ((s.path, s.index_as.boost) for s in record_fields() if s.index_as.boost is not None),
        key=lambda path_weight: (-path_weight[1], path_weight[0]),
    )
)

# Fields returned with highlighted fragments (`IndexAs.highlight`), in record order.
HIGHLIGHT_FIELDS: tuple[str, ...] = tuple(s.path for s in record_fields() if s.index_as.highlight)

# Fields indexed on their own (the others only through the catch-all).
OWN_FIELDS: tuple[str, ...] = tuple(dict.fromkeys([*BOOSTS, *HIGHLIGHT_FIELDS]))

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


@dataclass(frozen=True, slots=True)
class Clause:
    """One required part of a query: any of ``alternatives`` (each a phrase of tokens)."""

    alternatives: tuple[tuple[str, ...], ...]

    @property
    def is_synonym(self) -> bool:
        return len(self.alternatives) > 1


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Groups of equivalent names from ``index/data/synonyms.txt``."""
    text = resources.files("index").joinpath("data/synonyms.txt").read_text(encoding="utf-8")
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            terms = tuple(dict.fromkeys(t.strip().lower() for t in line.split(",") if t.strip()))
            if len(terms) > 1:
                groups.append(terms)
    return tuple(groups)


def synonym_rules() -> list[str]:
    """Solr-format rules for an Elasticsearch synonym_graph filter."""
    return [", ".join(group) for group in synonym_groups()]


@cache
def _phrase_index() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    index: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for group in synonym_groups():
        phrases = tuple(dict.fromkeys(tuple(tokenize(term)) for term in group))
        for phrase in phrases:
            index.setdefault(phrase, phrases)
    return index


@cache
def _longest_phrase() -> int:
    return max((len(p) for p in _phrase_index()), default=0)


def query_clauses(text: str, *, expand_synonyms: bool = True) -> list[Clause]:
    """The required clauses of a free-text query (empty when nothing searchable)."""
    tokens = tokenize(text)
    index = _phrase_index() if expand_synonyms else {}
    longest = _longest_phrase() if expand_synonyms else 0
    clauses: list[Clause] = []
    i = 0
    while i < len(tokens):
        for width in range(min(longest, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + width])
            if phrase in index:
                clauses.append(Clause(index[phrase]))
                i += width
                break
        else:
            if tokens[i] not in STOPWORDS:
                clauses.append(Clause(((tokens[i],),)))
            i += 1
    if not clauses and tokens:
        # A query of stop words only ("the who") still means something.
        clauses = [Clause(((t,),)) for t in tokens]
    return clauses
