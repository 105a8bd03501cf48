"""A local stand-in for the ClinicalTrials.gov API v2, serving the corpus studies.

No machine here reaches clinicaltrials.gov, so tests and the demo harvest from
this server instead. It implements what the harvester relies on:

* ``GET /api/v2/studies``: ``pageSize`` (default 10, at most 1000),
  ``pageToken`` / ``nextPageToken`` (opaque; only valid with the same query),
  ``countTotal=true`` (``totalCount`` on the first page), and
  ``filter.advanced=AREA[LastUpdatePostDate]RANGE[<from>,MAX]``.
  Studies come in NCT id order, each as the corpus bytes.
* ``GET /api/v2/studies/<NCT>``: one study, 404 when unknown.
* Every ``throttle_every``-th request is answered ``429`` with ``Retry-After``.
* `CtgovEmulator.set_last_update` moves a study's last-update date (the study
  served carries the new date) to simulate registry updates between runs.

It records what it served (`served`, `requests`) so tests can check that a
harvest fetched every study exactly once.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
_RANGE = re.compile(
    r"^AREA\[LastUpdatePostDate\]RANGE\[\s*(MIN|\d{4}-\d{2}-\d{2})\s*,\s*(MAX|\d{4}-\d{2}-\d{2})\s*\]$"
)


@dataclass
class _Study:
    nct: str
    body: bytes
    last_update: str


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    query: str
    status: int
    at: float  # monotonic seconds
    studies: tuple[str, ...] = ()


class CtgovEmulator:
    """The emulated API over the ``ctgov_v2`` folder of a corpus (see module docstring)."""

    def __init__(
        self,
        corpus_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        throttle_every: int = 0,
        retry_after: int = 1,
    ) -> None:
        self.studies = _load(Path(corpus_dir))
        self.throttle_every = throttle_every
        self.retry_after = retry_after
        self.requests: list[LoggedRequest] = []
        self.served: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._count = 0
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> CtgovEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ctgov-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CtgovEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the `trialdex ctgov-emulator` command)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def set_last_update(self, nct: str, date: str) -> None:
        """Pretend the registry updated a study on ``date`` (YYYY-MM-DD)."""
        study = self.studies[nct]
        data = json.loads(study.body)
        data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
            "date": date,
            "type": "ACTUAL",
        }
        with self._lock:
            study.body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            study.last_update = date

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.served.clear()

    # -- request handling (called from server threads) --------------------

    def _throttled(self) -> bool:
        with self._lock:
            self._count += 1
            return self.throttle_every > 0 and self._count % self.throttle_every == 0

    def _log(self, path: str, query: str, status: int, studies: tuple[str, ...] = ()) -> None:
        with self._lock:
            self.requests.append(LoggedRequest(path, query, status, monotonic(), studies))
            self.served.update(studies)

    def respond(self, path: str, query: str) -> tuple[int, dict[str, str], bytes]:
        if self._throttled():
            self._log(path, query, 429)
            body = _error("Too many requests")
            return 429, {"Retry-After": str(self.retry_after)}, body
        if path.rstrip("/") == "/api/v2/studies":
            status, body, served = self._page(parse_qs(query, keep_blank_values=True))
            self._log(path, query, status, served)
            return status, {}, body
        match = re.fullmatch(r"/api/v2/studies/(NCT\d{8})/?", path)
        if match:
            found = self.studies.get(match.group(1))
            if found is None:
                self._log(path, query, 404)
                return 404, {}, _error(f"study {match.group(1)} not found")
            self._log(path, query, 200, (found.nct,))
            return 200, {}, found.body
        self._log(path, query, 404)
        return 404, {}, _error(f"no such endpoint: {path}")

    def _page(self, params: dict[str, list[str]]) -> tuple[int, bytes, tuple[str, ...]]:
        def one(name: str, default: str | None = None) -> str | None:
            values = params.get(name)
            return values[-1] if values else default

        try:
            size = int(one("pageSize", str(DEFAULT_PAGE_SIZE)) or DEFAULT_PAGE_SIZE)
        except ValueError:
            return 400, _error("pageSize must be an integer"), ()
        if not 0 < size <= MAX_PAGE_SIZE:
            return 400, _error(f"pageSize must be between 1 and {MAX_PAGE_SIZE}"), ()
        low, high = "0000-00-00", "9999-99-99"
        advanced = one("filter.advanced")
        if advanced:
            match = _RANGE.match(advanced.strip())
            if match is None:
                return 400, _error(f"unsupported filter.advanced: {advanced}"), ()
            low = low if match.group(1) == "MIN" else match.group(1)
            high = high if match.group(2) == "MAX" else match.group(2)
        query_key = f"{advanced or ''}"
        offset = 0
        token = one("pageToken")
        if token:
            decoded = _decode_token(token)
            if decoded is None or decoded[1] != query_key:
                return 400, _error("invalid pageToken for this query"), ()
            offset = decoded[0]
        with self._lock:
            matching = [s for _, s in sorted(self.studies.items()) if low <= s.last_update <= high]
            chosen = matching[offset : offset + size]
            parts = [s.body for s in chosen]
        head: dict[str, Any] = {}
        if one("countTotal", "false") == "true" and offset == 0:
            head["totalCount"] = len(matching)
        out = b'{"studies":[' + b",".join(parts) + b"]"
        if head:
            out += b',"totalCount":' + str(head["totalCount"]).encode()
        if offset + size < len(matching):
            next_token = _encode_token(offset + size, query_key)
            out += b',"nextPageToken":' + json.dumps(next_token).encode()
        return 200, out + b"}", tuple(s.nct for s in chosen)


def _encode_token(offset: int, query_key: str) -> str:
    raw = json.dumps([offset, query_key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[int, str] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        offset, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(offset, int) or not isinstance(key, str) or offset < 0:
        return None
    return offset, key


def _error(message: str) -> bytes:
    return json.dumps({"message": message}).encode()


def _load(corpus_dir: Path) -> dict[str, _Study]:
    folder = corpus_dir / "ctgov_v2" if (corpus_dir / "ctgov_v2").is_dir() else corpus_dir
    studies: dict[str, _Study] = {}
    for path in sorted(folder.glob("NCT*.json")):
        body = path.read_bytes()
        proto = json.loads(body)["protocolSection"]
        nct = proto["identificationModule"]["nctId"]
        last = proto["statusModule"]["lastUpdatePostDateStruct"]["date"]
        studies[nct] = _Study(nct, body, last)
    if not studies:
        raise FileNotFoundError(f"no NCT*.json studies under {folder}")
    return studies


def _handler(emulator: CtgovEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, headers, body = emulator.respond(parts.path, parts.query)
            self.send_response(status, HTTPStatus(status).phrase)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the emulator keeps its own request log

    return Handler


def start_emulator(
    corpus_dir: Path, port: int = 0, throttle_every: int = 0, retry_after: int = 1
) -> tuple[str, Any]:
    """Start an emulator in a background thread: ``(base_url, stop)``."""
    emulator = CtgovEmulator(
        corpus_dir, port=port, throttle_every=throttle_every, retry_after=retry_after
    ).start()
    return emulator.url, emulator.stop


@contextmanager
def running_emulator(corpus_dir: Path, **options: Any) -> Iterator[CtgovEmulator]:
    """``with running_emulator(corpus) as api: harvest(api.url, ...)``."""
    emulator = CtgovEmulator(corpus_dir, **options).start()
    try:
        yield emulator
    finally:
        emulator.stop()
