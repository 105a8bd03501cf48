"""Fixtures for the API tests: the same small index on SQLite and on the real Elasticsearch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from index.backend import SearchBackend
from index.factory import open_backend
from tests.api.records import all_records


def _fill(backend: SearchBackend) -> SearchBackend:
    backend.setup()
    report = backend.index_records(all_records())
    assert report.ok, report.failures[:3]
    return backend


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite index of the test records, built once per session."""
    path = tmp_path_factory.mktemp("api-sqlite") / "trials.sqlite"
    backend = _fill(open_backend("sqlite", path=path))
    backend.close()
    return path


@pytest.fixture(scope="module")
def sqlite_backend(sqlite_path: Path) -> Iterator[SearchBackend]:
    backend = open_backend("sqlite", path=sqlite_path)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def es_backend(es_server: Any, es_client: Any) -> Iterator[SearchBackend]:
    alias = f"test-api-{uuid.uuid4().hex[:10]}"
    backend = _fill(open_backend("es", url=es_server.url, alias=alias))
    yield backend
    backend.close()
    es_client.options(ignore_status=404).indices.delete(index=f"{alias}*")
    es_client.options(ignore_status=404).indices.delete_index_template(name=f"{alias}*")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("es", marks=pytest.mark.elasticsearch)]
)
def backend(request: pytest.FixtureRequest) -> SearchBackend:
    found: SearchBackend = request.getfixturevalue(f"{request.param}_backend")
    return found


@pytest.fixture(scope="module")
def client(backend: SearchBackend) -> Iterator[TestClient]:
    with TestClient(create_app(backend)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def sqlite_client(sqlite_backend: SearchBackend) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_backend)) as test_client:
        yield test_client
