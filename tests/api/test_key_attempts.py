"""Failed API key attempts are limited per client address: 429 with Retry-After past the limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import MAX_FAILURES, AttemptLimit
from index.backend import SearchBackend
from tests.api.test_errors import assert_problem


def test_too_many_wrong_keys_get_429(
    sqlite_backend: SearchBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALDEX_API_KEY", "s3cret")
    app = create_app(sqlite_backend)
    guesser = TestClient(app, client=("203.0.113.7", 5000))
    for n in range(MAX_FAILURES):
        wrong = guesser.post("/v1/admin/reopen", headers={"X-API-Key": f"guess-{n}"})
        assert_problem(wrong, 401, None)
    blocked = guesser.post("/v1/admin/reopen", headers={"X-API-Key": "guess"})
    assert_problem(blocked, 429, None)
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    # Even the right key waits: the limit is on the address, not on the guess.
    assert_problem(guesser.post("/v1/admin/reopen", headers={"X-API-Key": "s3cret"}), 429, None)
    # Another address is not held up, and reads never are.
    other = TestClient(app, client=("198.51.100.9", 5000))
    assert other.post("/v1/admin/reopen", headers={"X-API-Key": "s3cret"}).status_code == 200
    assert guesser.get("/v1/health").status_code == 200


def test_the_window_slides() -> None:
    limit = AttemptLimit(max_failures=3, window=60)
    for t in (0.0, 10.0, 20.0):
        assert limit.retry_after("a", now=t) is None
        limit.failed("a", now=t)
    assert limit.retry_after("a", now=30.0) == 30  # the failure at 0 leaves at 60
    assert limit.retry_after("b", now=30.0) is None
    assert limit.retry_after("a", now=60.0) is None
