"""Faults: Elasticsearch killed in the middle of a bulk run, then brought back.

Runs on its own server (`devserver.start_private`), never on the shared one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools import dev_es as devserver
from index.backend import IndexingInterrupted
from index.es_backend import ElasticsearchBackend
from parsers.records import TrialRecord
from tests.index.factory import make_record

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow]

COUNT = 3000
KILL_AFTER = 1200


@pytest.fixture
def private_server() -> Iterator[devserver.DevServer]:
    """A second Elasticsearch we may kill (even when ELASTICSEARCH_URL names a cluster)."""
    server = devserver.start_private(quiet=True)
    try:
        yield server
    finally:
        devserver.stop(server)


def test_killed_during_bulk_then_rerun_indexes_every_record_once(
    private_server: devserver.DevServer,
) -> None:
    records = [make_record(n) for n in range(1, COUNT + 1)]
    backend = ElasticsearchBackend(private_server.url, alias="faults", request_timeout=10)
    backend.setup()

    def killing(source: list[TrialRecord]) -> Iterator[TrialRecord]:
        for n, record in enumerate(source):
            if n == KILL_AFTER:
                devserver.kill_hard(private_server)
            yield record

    with pytest.raises(IndexingInterrupted, match="run again") as info:
        backend.index_records(killing(records))
    assert info.value.report.indexed <= KILL_AFTER

    devserver.launch(private_server, quiet=True, record_state=False)
    report = backend.index_records(records)
    assert report.ok and report.indexed == COUNT
    assert backend.count() == COUNT
    assert backend.ids() == {r.id for r in records}
    backend.close()
