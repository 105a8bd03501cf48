"""The search backend an app serves, opened on first use and shared by requests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import Request

from index.backend import SearchBackend

Opener = Callable[[], SearchBackend]


class BackendHolder:
    """Opens the backend lazily (a server starts even while Elasticsearch is down)."""

    def __init__(self, opener: Opener, backend: SearchBackend | None = None) -> None:
        self._opener = opener
        self._backend = backend
        self._owned = backend is None  # close only what we opened
        self._lock = threading.Lock()

    def get(self) -> SearchBackend:
        backend = self._backend
        if backend is not None:
            return backend
        with self._lock:
            if self._backend is None:
                self._backend = self._opener()
            return self._backend

    def reopen(self) -> SearchBackend:
        """Close (if ours) and open again: picks up a replaced SQLite file or new settings."""
        with self._lock:
            old, self._backend = self._backend, None
            if old is not None and self._owned:
                old.close()
            if not self._owned and old is not None:
                self._backend = old  # a backend handed in is the caller's to manage
                return old
            self._backend = self._opener()
            return self._backend

    def close(self) -> None:
        with self._lock:
            if self._backend is not None and self._owned:
                self._backend.close()
                self._backend = None


def backend_of(request: Request) -> SearchBackend:
    """FastAPI dependency: the app's backend."""
    holder: BackendHolder = request.app.state.backend
    return holder.get()
