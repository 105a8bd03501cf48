"""The API key that state-changing endpoints require; reads need none.

The key is the ``TRIALDEX_API_KEY`` setting. With no key set, state-changing
endpoints are switched off (403) rather than open. A client sends the key as
``X-API-Key: <key>`` or ``Authorization: Bearer <key>``.

Guessing is slowed by `AttemptLimit`: after `MAX_FAILURES` wrong or missing
keys from one client address within `WINDOW_SECONDS`, that address gets 429
with ``Retry-After`` until its oldest failure leaves the window, whatever
key it sends. The count is per worker process and per address as the server
sees it (behind a proxy, the proxy's address unless uvicorn is told to trust
its forwarded headers).
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from typing import Annotated

from fastapi import Header, Request

from api.problems import ApiProblem
from core import config

API_KEY_SETTING = config.env_name("api_key")

MAX_FAILURES = 10
WINDOW_SECONDS = 60.0
# Addresses remembered at most; past this, those with no failure in the
# window are forgotten, so a flood of addresses cannot grow memory for long.
_MAX_CLIENTS = 10_000


class AttemptLimit:
    """Failed key attempts per client address in a sliding window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # sync dependencies run on a thread pool

    def retry_after(self, client: str, now: float | None = None) -> int | None:
        """Seconds ``client`` must wait, or None when it may try a key now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.get(client)
            if failures is None:
                return None
            self._expire(failures, now)
            if len(failures) < self.max_failures:
                return None
            return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if client not in self._failures and len(self._failures) >= _MAX_CLIENTS:
                self._forget_idle(now)
            failures = self._failures.setdefault(client, deque())
            self._expire(failures, now)
            failures.append(now)

    def _expire(self, failures: deque[float], now: float) -> None:
        while failures and failures[0] <= now - self.window:
            failures.popleft()

    def _forget_idle(self, now: float) -> None:
        for client in list(self._failures):
            self._expire(self._failures[client], now)
            if not self._failures[client]:
                del self._failures[client]


def _attempts(request: Request) -> AttemptLimit:
    limit: AttemptLimit | None = getattr(request.app.state, "key_attempts", None)
    if limit is None:
        limit = request.app.state.key_attempts = AttemptLimit()
    return limit


def require_api_key(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="The API key.")] = None,
    authorization: Annotated[str | None, Header(description="`Bearer <key>`.")] = None,
) -> None:
    """FastAPI dependency for endpoints that change state."""
    expected = config.raw_value("api_key") or ""
    if not expected:
        raise ApiProblem(
            403,
            "writes-disabled",
            "State-changing endpoints are disabled",
            f"set {API_KEY_SETTING} on the server to enable them",
        )
    attempts = _attempts(request)
    client = request.client.host if request.client else "unknown"
    wait = attempts.retry_after(client)
    if wait is not None:
        raise ApiProblem(
            429,
            "too-many-attempts",
            "Too many failed API key attempts",
            f"{attempts.max_failures} wrong keys within {attempts.window:.0f} s from this "
            f"address; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    given = x_api_key
    if given is None and authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    # Constant-time comparison: the key must not leak through response timing.
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        attempts.failed(client)
        raise ApiProblem(
            401,
            "unauthorized",
            "API key required",
            "send the API key as X-API-Key or 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": 'Bearer realm="trialdex"'},
        )
