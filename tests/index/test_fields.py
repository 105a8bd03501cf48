"""Facets, boosts, highlights and value normalisation are the record markers' (`IndexAs`).

The two index-side orderings (`FACET_ORDER`, the boost order) are held to the
markers both ways: every marked facet or boost is in them, everything in them
is marked.
"""

from __future__ import annotations

from collections import Counter

import pytest

from index import search_models
from index.fields import field, record_fields
from index.search_models import FACET_ORDER, FACETS, SUGGEST_FACETS, normalise_filter
from index.text import BOOSTS, HIGHLIGHT_FIELDS, OWN_FIELDS


def _marked_facets() -> dict[str, str]:
    return {s.index_as.facet: s.path for s in record_fields() if s.index_as.facet}


def test_every_marked_facet_is_in_the_table_and_every_entry_is_marked() -> None:
    marked = _marked_facets()
    assert all(FACETS.get(name) == path for name, path in marked.items())
    assert all(field(path).index_as.facet == name for name, path in FACETS.items())
    assert list(FACETS) == list(FACET_ORDER)


def test_a_facet_name_marks_one_field() -> None:
    names = Counter(s.index_as.facet for s in record_fields() if s.index_as.facet)
    assert [name for name, n in names.items() if n > 1] == []
    # Organization is the sponsor facet; collaborators keep exact values only.
    collaborator = field("collaborators.name").index_as
    assert collaborator.facet is None and collaborator.keeps_exact_values


def test_the_facet_table_refuses_to_drift_from_the_markers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_models, "FACET_ORDER", FACET_ORDER[:-1])
    with pytest.raises(AssertionError, match="differ"):
        search_models._facet_table()
    monkeypatch.setattr(search_models, "FACET_ORDER", (*FACET_ORDER, "colour"))
    with pytest.raises(AssertionError, match="differ"):
        search_models._facet_table()


def test_suggestions_and_normalisation_are_declared_on_the_markers() -> None:
    assert set(SUGGEST_FACETS) == {n for n, p in FACETS.items() if field(p).index_as.suggest}
    coded = {name for name, path in FACETS.items() if field(path).coded}
    assert coded == {"phase", "status", "study_type", "sponsor_class", "intervention_type", "sex"}
    assert normalise_filter("sponsor_class", ["industry"]) == ["INDUSTRY"]
    assert normalise_filter("sponsor", ["Pfizer"]) == ["Pfizer"]


def test_boosts_and_highlights_are_the_markers() -> None:
    marked = {s.path: s.index_as.boost for s in record_fields() if s.index_as.boost is not None}
    assert marked == BOOSTS
    # Heaviest first, then by path: the Elasticsearch query's field order and the
    # SQLite FTS column layout depend on it.
    assert list(BOOSTS) == [
        "title",
        "conditions",
        "interventions.name",
        "keywords",
        "official_title",
    ]
    assert tuple(s.path for s in record_fields() if s.index_as.highlight) == HIGHLIGHT_FIELDS
    assert HIGHLIGHT_FIELDS == ("title", "summary", "conditions")
    assert (*BOOSTS, "summary") == OWN_FIELDS
    assert all(field(path).index_as.kind == "text" for path in OWN_FIELDS)
