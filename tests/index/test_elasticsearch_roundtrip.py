"""Proof of the round trip against the real Elasticsearch 9 server."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import helpers

from devtools.dev_es import server_version
from parsers.records import TrialRecord

pytestmark = pytest.mark.elasticsearch


def _record(n: int, phase: str, condition: str) -> TrialRecord:
    return TrialRecord.model_validate(
        {
            "id": f"test:T{n:03d}",
            "source": {"name": "test", "parser_version": "0"},
            "title": f"{condition} trial number {n}",
            "phases": [phase],
            "conditions": [condition],
            "sponsor": {"name": "Example Sponsor", "class": "OTHER"},
        }
    )


def test_bulk_index_then_query_and_aggregate(es_client: Any, es_index_name: str) -> None:
    es_client.indices.create(
        index=es_index_name,
        mappings={
            "properties": {
                "title": {"type": "text"},
                "phases": {"type": "keyword"},
                "conditions": {"type": "keyword"},
            }
        },
    )
    records = [
        _record(1, "PHASE2", "Multiple Myeloma"),
        _record(2, "PHASE2", "Asthma"),
        _record(3, "PHASE3", "Multiple Myeloma"),
    ]
    ok, errors = helpers.bulk(
        es_client,
        ({"_index": es_index_name, "_id": r.id, "_source": r.to_dict()} for r in records),
        refresh="wait_for",
    )
    assert ok == 3 and not errors

    found = es_client.search(
        index=es_index_name,
        query={"match": {"title": "myeloma"}},
        aggs={"by_phase": {"terms": {"field": "phases"}}},
    )
    ids = sorted(hit["_id"] for hit in found["hits"]["hits"])
    assert ids == ["test:T001", "test:T003"]
    buckets = {b["key"]: b["doc_count"] for b in found["aggregations"]["by_phase"]["buckets"]}
    assert buckets == {"PHASE2": 1, "PHASE3": 1}

    # Documents come back exactly in the contract.
    again = TrialRecord.model_validate(found["hits"]["hits"][0]["_source"])
    assert again.sponsor is not None and again.sponsor.class_ == "OTHER"


def test_server_is_elasticsearch_9(es_client: Any) -> None:
    assert server_version(es_client).split(".")[0] == "9"
    assert es_client.cluster.health()["status"] in {"green", "yellow"}
