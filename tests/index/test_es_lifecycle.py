"""Index lifecycle on the real Elasticsearch 9: setup, migrate with an atomic alias
swap under concurrent reads, failures reported, errors translated."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.backend import IndexingInterrupted
from index.es_backend import ElasticsearchBackend
from index.es_bulk import bulk_index
from index.es_mapping import MAPPING_VERSION
from index.search_models import SearchRequest
from parsers.errors import ServiceError
from parsers.records import TrialRecord
from tests.index.factory import make_record

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es(es_client: Any, es_index_name: str) -> ElasticsearchBackend:
    return ElasticsearchBackend(es_client, alias=es_index_name)


def test_setup_is_safe_on_every_deploy(es: ElasticsearchBackend, es_client: Any) -> None:
    es.setup()
    first = es.indices()
    es.setup()
    es.setup()
    assert es.indices() == first and len(first) == 1
    assert re.fullmatch(rf"{es.alias}-v{MAPPING_VERSION}-\d{{20}}", first[0])
    assert es_client.indices.exists_index_template(name=es.template_name)
    assert es.count() == 0
    health = es.health()
    assert health["ok"] is True and health["mapping_current"] is True


def test_setup_refuses_a_concrete_index_named_like_the_alias(
    es: ElasticsearchBackend, es_client: Any
) -> None:
    es_client.indices.create(index=es.alias)
    with pytest.raises(Exception, match="concrete index"):
        es.setup()


def test_migrate_swaps_and_prunes(es: ElasticsearchBackend, es_client: Any) -> None:
    es.setup()
    first = es.indices()[0]
    result = es.migrate([make_record(n) for n in range(1, 11)])
    assert result.previous == [first] and es.indices() == [result.index]
    assert result.report.indexed == 10 and es.count() == 10
    again = es.migrate(lambda: (make_record(n) for n in range(1, 6)))
    assert es.indices() == [again.index] and es.count() == 5
    # The previous index is kept for rollback; older ones go.
    assert again.deleted_indices == [first]
    assert es_client.indices.exists(index=result.index)


def _slow(records: list[TrialRecord], pause_every: int = 100) -> Iterator[TrialRecord]:
    for n, record in enumerate(records):
        if n % pause_every == 0:
            time.sleep(0.05)
        yield record


def test_readers_never_see_a_partial_index_during_migrate(es: ElasticsearchBackend) -> None:
    count = 1200
    old = [make_record(n) for n in range(1, count + 1)]
    es.setup()
    assert es.index_records(old).indexed == count
    new = [make_record(n) for n in range(1, count + 1)]
    new[6] = make_record(7, title="Renamed trial 7")

    seen: list[int] = []
    titles: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        request = SearchRequest(filters={"source": ["test", "other"]}, size=1, facets=["phase"])
        while not stop.is_set():
            try:
                seen.append(es.search(request).total)
                record = es.get("test:T0007")
                assert record is not None
                titles.add(record.title)
            except BaseException as exc:  # any failure of a reader fails the test
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        result = es.migrate(_slow(new))
        # Let the reader run a few searches on the new index (slow machines: up to 30 s).
        deadline = time.monotonic() + 30
        while "Renamed trial 7" not in titles and not errors and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not errors, errors[0]
    assert result.report.indexed == count
    assert len(seen) > 10
    assert set(seen) == {count}, "a reader saw an empty or partial index"
    assert "Renamed trial 7" in titles
    assert es.get("test:T0007").title == "Renamed trial 7"  # type: ignore[union-attr]


def test_refused_records_are_reported_not_dropped(es: ElasticsearchBackend, tmp_path: Path) -> None:
    es.setup()
    bad = make_record(2, enrollment={"count": 10**30})  # too big for a long
    report = es.index_records([make_record(1), bad, make_record(3)])
    assert report.indexed == 2
    assert [f.id for f in report.failures] == ["test:T0002"]
    assert "enrollment.count" in report.failures[0].reason
    failures = tmp_path / "failures.jsonl"
    report.write_failures(failures)
    assert '"id": "test:T0002"' in failures.read_text()
    assert es.count() == 2


def test_migrate_with_too_many_refusals_keeps_the_old_index(es: ElasticsearchBackend) -> None:
    es.setup()
    es.index_records([make_record(1)])
    before = es.indices()
    records = [make_record(n, enrollment={"count": 10**30}) for n in range(1, 4)]
    with pytest.raises(ServiceError, match="left unchanged"):
        es.migrate(records)
    assert es.indices() == before and es.count() == 1
    assert len(es.client.indices.get(index=f"{es.alias}-v*")) == 1


def test_unreachable_cluster_is_a_clear_service_error() -> None:
    backend = ElasticsearchBackend("http://127.0.0.1:9", alias="nowhere", request_timeout=2)
    with pytest.raises(ServiceError, match="unreachable"):
        backend.search(SearchRequest())
    with pytest.raises(IndexingInterrupted, match="run again") as info:
        bulk_index(backend.client, "nowhere", [make_record(1)])
    assert info.value.report.indexed == 0
    assert backend.health()["ok"] is False


def test_an_index_of_older_documents_still_answers_whole_records(
    es: ElasticsearchBackend, es_client: Any
) -> None:
    """Indices written before documents kept their nulls carry no ``documents``
    marker: their records are completed through the model, and health says the
    mapping is not current, so an operator knows to migrate."""
    from index.es_mapping import index_body

    body = index_body(es.analysis)
    del body["mappings"]["_meta"]["documents"]
    old = f"{es.alias}-v{MAPPING_VERSION}-00000000000000000000"
    es_client.indices.create(index=old, **body)
    es_client.indices.update_aliases(actions=[{"add": {"index": old, "alias": es.alias}}])
    record = make_record(3)
    sparse = record.model_dump_json(by_alias=True, exclude_none=True)
    es_client.index(index=old, id=record.id, document=sparse, refresh=True)

    answer = json.loads(es.search_json(SearchRequest(size=5, facets=[])))
    assert answer["total"] == 1
    assert answer["hits"][0]["record"] == record.model_dump(mode="json", by_alias=True)
    assert None in answer["hits"][0]["record"].values()  # the nulls were filled in
    assert es.health()["mapping_current"] is False

    es.migrate([record])
    fresh = json.loads(es.search_json(SearchRequest(size=5, facets=[])))
    assert fresh["hits"][0]["record"] == answer["hits"][0]["record"]
    assert es.health()["mapping_current"] is True
