"""Elasticsearch request bodies and mapping, compared with literal expected dicts."""

from __future__ import annotations

from typing import Any

import pytest

from index import es_query
from index.es_backend import ElasticsearchBackend
from index.es_mapping import Analysis, analysis_settings, facet_field, mappings
from index.es_query import (
    facet_searches,
    msearch_body,
    search_body,
    suggest_body,
    text_query,
)
from index.fields import record_fields
from index.search_models import FACETS, SearchRequest
from tests.index.factory import make_record

FIELDS = [
    "title^8",
    "conditions^5",
    "interventions.name^3",
    "keywords^2",
    "official_title^2",
    "all_text",
]
ORDER = [{"_count": "desc"}, {"_key": "asc"}]


def _terms(field: str, size: int) -> dict[str, Any]:
    return {"terms": {"field": field, "size": size, "order": ORDER}}


def test_empty_request_is_one_msearch_of_hits_then_cached_facets() -> None:
    searches = msearch_body(
        SearchRequest(facets=["phase"]), index="trials", expand_synonyms=True, timeout="10s"
    )
    assert searches == [
        {"index": "trials"},
        {
            "query": {"bool": {"must": [{"match_all": {}}]}},
            "size": 21,
            # The facets search counts the total, so the hits search need not.
            "track_total_hits": False,
            "sort": [{"id": "asc"}],  # no free text: every hit scores the same
            "timeout": "10s",
        },
        {"index": "trials", "request_cache": True},
        {
            "query": {"match_all": {}},
            "size": 0,
            "track_total_hits": True,
            "aggs": {"phase": _terms("phases", 10)},
            "timeout": "10s",
        },
    ]


def test_no_facets_means_no_facets_search_and_the_hits_search_counts() -> None:
    request = SearchRequest(facets=[], size=3)
    assert facet_searches(request, expand_synonyms=True) == []
    assert msearch_body(request, index="trials", expand_synonyms=True) == [
        {"index": "trials"},
        {
            "query": {"bool": {"must": [{"match_all": {}}]}},
            "size": 4,
            "track_total_hits": True,
            "sort": [{"id": "asc"}],
        },
    ]


def test_when_every_facet_is_selected_the_hits_search_counts_the_total() -> None:
    request = SearchRequest.parse({"facets": ["phase"], "filters": {"phase": ["PHASE1"]}})
    searches = msearch_body(request, index="trials", expand_synonyms=True)
    assert searches[1]["track_total_hits"] is True
    assert [s.counts_total for s in facet_searches(request, expand_synonyms=True)] == [False]


def test_facets_only_is_no_hits_search_and_the_facets_search_counts() -> None:
    request = SearchRequest(facets=["phase"], size=0)
    assert msearch_body(request, index="trials", expand_synonyms=True) == [
        {"index": "trials", "request_cache": True},
        {
            "query": {"match_all": {}},
            "size": 0,
            "track_total_hits": True,
            "aggs": {"phase": _terms("phases", 10)},
        },
    ]
    # With every facet selected nothing else counts, so the hits search stays.
    selected = SearchRequest.parse(
        {"facets": ["phase"], "size": 0, "filters": {"phase": ["PHASE1"]}}
    )
    first = msearch_body(selected, index="trials", expand_synonyms=True)[1]
    assert first["size"] == 0 and first["track_total_hits"] is True


@pytest.mark.elasticsearch
def test_failed_facet_searches_are_reported_and_the_hits_and_total_still_come(
    es_client: Any, es_index_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = ElasticsearchBackend(es_client, alias=es_index_name)
    backend.setup()
    records = [make_record(n) for n in range(1, 10)]
    backend.index_records(records)
    # Terms on a text field (no fielddata): the cluster refuses every facet search,
    # including the one that counts the total, so the total comes from `_count`.
    monkeypatch.setattr(es_query, "terms_agg", lambda name, size: {"terms": {"field": "title"}})
    response = backend.search(
        SearchRequest.parse(
            {"facets": ["phase", "status"], "size": 1, "filters": {"status": ["COMPLETED"]}}
        )
    )
    expected = sum(1 for r in records if r.status == "COMPLETED")
    assert expected > 1
    assert response.total == expected and len(response.hits) == 1
    assert response.facets_timed_out == ["phase", "status"]
    assert [(f.name, f.timed_out, f.values) for f in response.facets] == [
        ("phase", True, []),
        ("status", True, []),
    ]


def test_text_query_is_multi_match_with_every_word_required() -> None:
    assert text_query("Asthma in the  Elderly", expand_synonyms=True) == {
        "multi_match": {
            "query": "asthma elderly",
            "fields": FIELDS,
            "type": "cross_fields",
            "operator": "and",
        }
    }
    assert text_query("the", expand_synonyms=True) is not None
    assert text_query("  ", expand_synonyms=True) is None
    assert text_query("(*)", expand_synonyms=True) is None


def test_synonyms_expand_to_phrases_only_when_the_cluster_cannot() -> None:
    expanded = text_query("Revlimid", expand_synonyms=True)
    assert expanded == {
        "bool": {
            "should": [
                {"multi_match": {"query": "lenalidomide", "fields": FIELDS, "type": "phrase"}},
                {"multi_match": {"query": "revlimid", "fields": FIELDS, "type": "phrase"}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert text_query("Revlimid", expand_synonyms=False) == {
        "multi_match": {
            "query": "revlimid",
            "fields": FIELDS,
            "type": "cross_fields",
            "operator": "and",
        }
    }


def test_multi_select_facets_selections_in_filter_context_and_other_filters() -> None:
    request = SearchRequest.parse(
        {
            "q": "asthma",
            "filters": {"phase": ["PHASE2", "PHASE3"], "country": ["France"]},
            "facets": ["phase", "country", "sponsor"],
            "facet_size": 5,
            "size": 10,
            "has_results": True,
        }
    )
    phase = {"terms": {"phases": ["PHASE2", "PHASE3"]}}
    country = {"terms": {"sites.country": ["France"]}}
    results = {"term": {"has_results": True}}
    query = {
        "bool": {
            "must": [
                {
                    "multi_match": {
                        "query": "asthma",
                        "fields": FIELDS,
                        "type": "cross_fields",
                        "operator": "and",
                    }
                }
            ],
            "filter": [{"term": {"has_results": True}}],
        }
    }
    assert search_body(request, expand_synonyms=True, track_total=False) == {
        # Selections are filters of the hits query itself: no aggregation shares
        # the search, so no post_filter (which scores every match first).
        "query": {"bool": {**query["bool"], "filter": [results, phase, country]}},
        "size": 11,
        "track_total_hits": False,
        "sort": [{"_score": "desc"}, {"id": "asc"}],
        "highlight": {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "require_field_match": False,
            "highlight_query": {
                "multi_match": {"query": "asthma", "fields": ["title", "summary", "conditions"]}
            },
            "fields": {
                "title": {"number_of_fragments": 0},
                "summary": {"fragment_size": 160, "number_of_fragments": 2},
                "conditions": {"number_of_fragments": 0},
            },
        },
    }
    # Facet counts: size-0 searches with every clause in filter context (no scores).
    # Unselected facets share one, under every selection; it counts the total.
    # A selected facet is counted under the other selections only.
    text = query["bool"]["must"][0]
    plan = facet_searches(request, expand_synonyms=True)
    assert [(s.names, s.counts_total, s.body) for s in plan] == [
        (
            ("sponsor",),
            True,
            {
                "query": {"bool": {"filter": [text, results, phase, country]}},
                "size": 0,
                "track_total_hits": True,
                "aggs": {"sponsor": _terms("sponsor.name.keyword", 5)},
            },
        ),
        (
            ("phase",),
            False,
            {
                "query": {"bool": {"filter": [text, results, country]}},
                "size": 0,
                "track_total_hits": False,
                "aggs": {"phase": _terms("phases", 5)},
            },
        ),
        (
            ("country",),
            False,
            {
                "query": {"bool": {"filter": [text, results, phase]}},
                "size": 0,
                "track_total_hits": False,
                "aggs": {"country": _terms("sites.country", 5)},
            },
        ),
    ]


def test_age_dates_distance_sort_and_cursor() -> None:
    request = SearchRequest.parse(
        {
            "near": "48.85,2.35",
            "radius_km": "10km",
            "min_age": 18,
            "max_age": 40,
            "start_date_from": "2019",
            "start_date_to": "2020-02",
            "sort": "distance",
            "facets": [],
            "size": 5,
        }
    )
    body = search_body(request, expand_synonyms=True, search_after=[1.5, "ctgov:NCT1"])
    point = {"lat": 48.85, "lon": 2.35}
    assert body == {
        "query": {
            "bool": {
                "must": [{"match_all": {}}],
                "filter": [
                    {
                        "range": {
                            "dates.start": {
                                "format": "yyyy-MM-dd",
                                "gte": "2019-01-01",
                                "lte": "2020-02-29",
                            }
                        }
                    },
                    {
                        "bool": {
                            "should": [
                                {"range": {"eligibility.min_age_years": {"lte": 40.0}}},
                                {
                                    "bool": {
                                        "must_not": [
                                            {"exists": {"field": "eligibility.min_age_years"}}
                                        ]
                                    }
                                },
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    {
                        "bool": {
                            "should": [
                                {"range": {"eligibility.max_age_years": {"gte": 18.0}}},
                                {
                                    "bool": {
                                        "must_not": [
                                            {"exists": {"field": "eligibility.max_age_years"}}
                                        ]
                                    }
                                },
                            ],
                            "minimum_should_match": 1,
                        }
                    },
                    {
                        "geo_distance": {
                            "distance": "10km",
                            "distance_type": "arc",
                            "sites.geo": point,
                        }
                    },
                ],
            }
        },
        "size": 6,
        "track_total_hits": True,
        "sort": [
            {
                "_geo_distance": {
                    "sites.geo": point,
                    "order": "asc",
                    "unit": "m",
                    "mode": "min",
                    "distance_type": "arc",
                    "ignore_unmapped": True,
                }
            },
            {"id": "asc"},
        ],
        "search_after": [1.5, "ctgov:NCT1"],
    }


def test_start_date_sort_puts_unknown_dates_last() -> None:
    body = search_body(SearchRequest(sort="start_date", size=0, facets=[]), expand_synonyms=True)
    assert body["sort"] == [{"dates.start": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
    assert body["size"] == 0 and "highlight" not in body


def test_suggest_body_is_a_case_insensitive_word_prefix() -> None:
    assert suggest_body("condition", "My.", 5) == {
        "size": 0,
        "aggs": {
            "values": {
                "terms": {
                    "field": "conditions.keyword",
                    "size": 5,
                    "include": "([mM][yY]\\..*)|(.* [mM][yY]\\..*)",
                    "order": ORDER,
                }
            }
        },
    }


def test_mapping_is_derived_from_the_record() -> None:
    props = mappings()["properties"]

    def at(path: str) -> dict[str, Any]:
        node: dict[str, Any] = {"properties": props}
        for part in path.split("."):
            node = node["properties"][part]
        return node

    for spec in record_fields():
        assert "type" in at(spec.path), spec.path
    assert at("conditions") == {
        "type": "text",
        "analyzer": "trialdex_text",
        "search_analyzer": "trialdex_search",
        "copy_to": ["all_text"],
        "index_options": "offsets",
        "fields": {
            "keyword": {"type": "keyword", "ignore_above": 1024, "eager_global_ordinals": True}
        },
    }
    assert at("eligibility.inclusion") == {
        "type": "text",
        "analyzer": "trialdex_text",
        "search_analyzer": "trialdex_search",
        "copy_to": ["all_text"],
        "index": False,
    }
    # Sites are plain objects: one Lucene document per trial.
    assert set(props["sites"]) == {"properties"}
    assert at("sites.geo") == {"type": "geo_point"}
    assert at("dates.start") == {"type": "date", "format": "yyyy-MM-dd||yyyy-MM||yyyy"}
    assert at("source.fetched_at") == {"type": "date"}
    assert at("eligibility.min_age_years") == {"type": "double"}
    assert at("enrollment.count") == {"type": "long"}
    assert at("source.warnings") == {"type": "keyword", "index": False, "doc_values": False}
    assert {name: facet_field(name) for name in FACETS} == {
        "phase": "phases",
        "status": "status",
        "study_type": "study_type",
        "sponsor": "sponsor.name.keyword",
        "sponsor_class": "sponsor.class",
        "condition": "conditions.keyword",
        "intervention": "interventions.name.keyword",
        "intervention_type": "interventions.type",
        "country": "sites.country",
        "state": "sites.state",
        "city": "sites.city",
        "sex": "eligibility.sex",
        "source": "source.name",
    }


def test_analysis_uses_cluster_synonyms_when_available() -> None:
    minimal = analysis_settings(Analysis(stemming=False, synonyms=False))["analysis"]
    assert minimal["analyzer"]["trialdex_search"]["filter"] == ["lowercase", "trialdex_stop"]
    rich = analysis_settings(Analysis(stemming=True, synonyms=True))["analysis"]
    assert rich["analyzer"]["trialdex_text"]["filter"] == [
        "trialdex_possessive",
        "lowercase",
        "trialdex_stop",
        "trialdex_stemmer",
    ]
    assert rich["analyzer"]["trialdex_search"]["filter"] == [
        "trialdex_possessive",
        "lowercase",
        "trialdex_synonyms",
        "trialdex_stop",
        "trialdex_stemmer",
    ]
    assert "lenalidomide, revlimid" in rich["filter"]["trialdex_synonyms"]["synonyms"]
