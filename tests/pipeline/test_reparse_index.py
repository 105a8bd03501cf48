"""Index, reconcile and reparse steps against the SQLite backend and the real Elasticsearch."""

import json

import pytest

from pipeline.crawl import crawl_source
from pipeline.indexing import index_partition
from pipeline.parse import parse_source
from pipeline.partitions import Partition
from pipeline.quality import advance_baseline, quality_gate
from pipeline.reconcile import reconcile_source
from pipeline.reparse import rebuild_index, reparse_records
from pipeline.settings import BackendConfig, GateThresholds
from sources.ctgov import CtgovSource
from tests.pipeline.conftest import SUBSET


@pytest.fixture
def ingested(tmp_path, ctgov_api):
    part = Partition.of(tmp_path, "ctgov", "2026-01-01", "2026-01-02")
    crawl_source(part, CtgovSource(ctgov_api), since=None)
    parse_source(part, CtgovSource(ctgov_api))
    return part


def test_index_and_reconcile_on_sqlite(ingested, ctgov_api, tmp_path):
    backend = BackendConfig("sqlite", path=tmp_path / "index.sqlite")
    result = index_partition(ingested, backend)
    assert result["indexed"] == SUBSET and result["failed"] == 0
    again = index_partition(ingested, backend)  # upserts: nothing added
    assert again["indexed"] == SUBSET
    report = reconcile_source(ingested, backend, CtgovSource(ctgov_api))
    assert report["stated_total"] == report["searchable"] == SUBSET
    assert report["difference"] == 0 and report["partition_not_searchable"] == 0
    # Reconcile no longer moves the gate's baseline: the baseline step does, after the
    # run passed the gate and was indexed.
    state = json.loads(ingested.state_file.read_text())
    assert "runs" not in state
    quality_gate(ingested, GateThresholds())
    advance_baseline(ingested)
    state = json.loads(ingested.state_file.read_text())
    assert list(state["runs"]) == [ingested.key]


def test_reparse_rebuilds_the_sqlite_file_and_swaps_it_in(ingested, tmp_path):
    live = tmp_path / "index.sqlite"
    backend = BackendConfig("sqlite", path=live)
    index_partition(ingested, backend)
    search = backend.open()
    search.delete(sorted(search.ids())[:3])  # the live index drifted
    assert search.count() == SUBSET - 3
    search.close()

    summary = reparse_records(tmp_path, "manual__2026-01-05T00:00:00+00:00", {})
    assert summary["sources"]["ctgov"]["records"] == SUBSET
    result = rebuild_index(summary, backend)
    assert result["indexed"] == SUBSET and result["failed"] == 0
    search = backend.open()
    try:
        assert search.count() == SUBSET
    finally:
        search.close()
    assert not live.with_name(live.name + ".rebuild").exists()


@pytest.mark.elasticsearch
def test_reparse_on_elasticsearch_swaps_the_alias(ingested, tmp_path, es_server, es_index_name):
    backend = BackendConfig("es", url=es_server.url, alias=es_index_name)
    index_partition(ingested, backend)
    search = backend.open()
    before = set(search.indices())
    search.close()

    summary = reparse_records(tmp_path, "reparse-1", {})
    result = rebuild_index(summary, backend)
    assert result["indexed"] == SUBSET
    search = backend.open()
    try:
        after = set(search.indices())
        assert after and after != before  # a new index now serves the alias
        assert search.count() == SUBSET
    finally:
        search.close()
