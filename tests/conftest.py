"""Shared fixtures: the real Elasticsearch 9, the corpus, small record factories.

Elasticsearch: ``ELASTICSEARCH_URL`` when set; else a dev server already
started with `trialdex dev-es start`; else one is provisioned for this test
session and stopped at its end. When it cannot be provisioned the tests that
need it fail (they are never skipped when ``CI=true``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import corpus_dir, shared_dir

__all__ = ["corpus_dir", "shared_dir"]

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-data corpus; missing corpus fails in CI, skips elsewhere."""
    path = corpus_dir()
    if not (path / "ctgov_v2").is_dir():
        message = f"corpus not found at {path} (set TRIALDEX_CORPUS)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def es_server() -> Iterator[Any]:
    """A running Elasticsearch 9 (`devtools.dev_es.DevServer`)."""
    from devtools import dev_es as devserver

    existing = devserver.running()
    if existing is not None:
        yield existing
        return
    try:
        server = devserver.start(quiet=True)
    except Exception as exc:  # any failure to provision is a test failure
        pytest.fail(f"could not provision Elasticsearch 9: {exc}")
    try:
        yield server
    finally:
        devserver.stop(server)


@pytest.fixture(scope="session")
def es_client(es_server: Any) -> Iterator[Any]:
    from elasticsearch import Elasticsearch

    from devtools.dev_es import server_version

    client = Elasticsearch(es_server.url, request_timeout=60)
    version = server_version(client)
    assert version.startswith("9."), version
    yield client
    client.close()


@pytest.fixture
def es_index_name(es_client: Any) -> Iterator[str]:
    """A unique index (or alias) name, with everything under its prefix deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    es_client.options(ignore_status=404).indices.delete(index=f"{name}*")
    es_client.options(ignore_status=404).indices.delete_index_template(name=f"{name}*")
