"""A local listing site to crawl: generated trial pages, condition listings and real-site trouble.

``SampleSite(root_seed=0, n_trials=40).start()`` serves on a free loopback port
and returns the base URL. Content is a pure function of the seed (see
`devtools.sample_data`). Pages carry ``ETag`` and ``Last-Modified`` and answer
conditional requests with 304. With ``failures=True`` a few trials misbehave
the way real sites do:

- trial 1 answers 503 once, then works;
- trial 2 answers 429 with ``Retry-After: <retry_after>`` once, then works;
- trial 3 is slow (``slow_seconds``);
- trial 4 is malformed (cut off mid-tag);
- trial 5 is linked by a non-canonical URL (trailing slash) that 301s to the canonical one;
- trial 6 is linked twice from its card (plain and with a ``#fragment``);
- trial 7 is padded to ``oversize_bytes`` when that is set (for size-cap tests);
- trial 0's listing page links a draft (``/trial/draft-…``) and every listing links
  ``/private/admin``, both disallowed by robots.txt.

Every request is logged (`log`) so tests can assert what was fetched, when, and
with which conditional headers. `expected_*` methods give the truth a full crawl
must reach.
"""

from __future__ import annotations

import email.utils
import hashlib
import math
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from devtools.sample_data import CONDITIONS, Condition, SampleTrial, make_trial, trial_slug
from devtools.sample_pages import (
    STYLES,
    Style,
    render_listing,
    render_robots,
    render_sitemap,
    render_trial,
)

DISALLOWED = ("/private/", "/trial/draft-")
_EPOCH = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # Last-Modified of revision 0

TRANSIENT_503, RATE_LIMITED, SLOW, MALFORMED, REDIRECTED, DUPLICATED, OVERSIZED = range(1, 8)


@dataclass(frozen=True)
class RequestRecord:
    time: float  # time.monotonic() when the request arrived
    method: str
    path: str  # path and query, as requested
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None


@dataclass(frozen=True)
class _Page:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()


class SampleSite:
    """A threaded loopback HTTP server of generated listing pages (see module docstring)."""

    def __init__(
        self,
        root_seed: int = 0,
        n_trials: int = 40,
        layout_mix: Sequence[Style] = STYLES,
        *,
        per_page: int = 10,
        layout_version: int = 1,
        failures: bool = True,
        retry_after: int = 1,
        slow_seconds: float = 0.3,
        oversize_bytes: int = 0,
        crawl_delay: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if n_trials < 1:
            raise ValueError(f"SampleSite: n_trials must be at least 1, got {n_trials}")
        if failures and n_trials < 8:
            raise ValueError(f"SampleSite: failure modes need n_trials >= 8, got {n_trials}")
        for style in layout_mix:
            if style not in STYLES:
                raise ValueError(f"SampleSite: unknown layout {style!r}; known: {STYLES}")
        self.seed = root_seed
        self.n_trials = n_trials
        self.layout_mix = tuple(layout_mix)
        self.per_page = per_page
        self.layout_version = layout_version
        self.failures = failures
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.oversize_bytes = oversize_bytes
        self.crawl_delay = crawl_delay
        self._host, self._port = host, port
        self._slugs = [trial_slug(root_seed, i) for i in range(n_trials)]
        self._by_slug = {s: i for i, s in enumerate(self._slugs)}
        self._by_condition: dict[str, list[int]] = {}
        for i in range(n_trials):
            self._by_condition.setdefault(CONDITIONS[i % len(CONDITIONS)].slug, []).append(i)
        self.conditions: tuple[Condition, ...] = tuple(
            c for c in CONDITIONS if c.slug in self._by_condition
        )
        self._revisions: dict[int, int] = {}
        self._lock = threading.Lock()
        self._hits: dict[str, int] = {}
        self.log: list[RequestRecord] = []
        self._hold_after: int | None = None
        self._served = 0
        self._gate = threading.Event()
        self._gate.set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @classmethod
    def for_page_count(cls, n_pages: int, **kwargs: object) -> SampleSite:
        """A site whose full crawl is about ``n_pages`` pages (trials + listing pages)."""
        per_page = int(str(kwargs.get("per_page", 10)))
        n_trials = max(8, round(n_pages * per_page / (per_page + 1)))
        return cls(n_trials=n_trials, **kwargs)  # type: ignore[arg-type]

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"site": self})
        server = _Server((self._host, self._port), handler)
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://{self._host}:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self._gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SampleSite:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- knobs for tests -------------------------------------------------------

    def revise(self, index: int) -> None:
        """Change trial ``index`` (and so its listing page): a recrawl must store it anew."""
        with self._lock:
            self._revisions[index] = self._revisions.get(index, 0) + 1

    def hold_after(self, n_pages: int | None) -> None:
        """Serve ``n_pages`` more pages, then block every request until `release`."""
        with self._lock:
            self._hold_after = None if n_pages is None else self._served + n_pages
            self._gate.clear() if n_pages is not None else self._gate.set()

    def release(self) -> None:
        with self._lock:
            self._hold_after = None
        self._gate.set()

    # -- the truth -------------------------------------------------------------

    def trial(self, index: int) -> SampleTrial:
        return make_trial(self.seed, index, self._revisions.get(index, 0))

    def trials(self) -> Iterable[SampleTrial]:
        return (self.trial(i) for i in range(self.n_trials))

    def style_of(self, index: int) -> Style:
        return self.layout_mix[index % len(self.layout_mix)]

    def trial_url(self, index: int) -> str:
        return f"{self.base_url}/trial/{self._slugs[index]}"

    def listing_url(self, condition: Condition | str, page: int = 1) -> str:
        slug = condition if isinstance(condition, str) else condition.slug
        path = f"/clinical-trials/for-{slug}"
        return f"{self.base_url}{path}" + (f"?page={page}" if page > 1 else "")

    def n_listing_pages(self, condition: Condition) -> int:
        return max(1, math.ceil(len(self._by_condition.get(condition.slug, [])) / self.per_page))

    def expected_trial_urls(self) -> set[str]:
        """Canonical URLs of every trial page (including ones that fail on purpose)."""
        return {self.trial_url(i) for i in range(self.n_trials)}

    def expected_listing_urls(self) -> set[str]:
        return {
            self.listing_url(c, p)
            for c in self.conditions
            for p in range(1, self.n_listing_pages(c) + 1)
        }

    def redirects(self) -> dict[str, str]:
        """Linked non-canonical URL -> the canonical URL it redirects to (301)."""
        if not self.failures:
            return {}
        return {self.trial_url(REDIRECTED) + "/": self.trial_url(REDIRECTED)}

    def disallowed_urls(self) -> set[str]:
        """Linked URLs that robots.txt disallows: a polite crawler never requests them."""
        if not self.failures:
            return set()
        return {f"{self.base_url}/trial/draft-{self._slugs[0]}", f"{self.base_url}/private/admin"}

    def oversized_url(self) -> str | None:
        return self.trial_url(OVERSIZED) if self.failures and self.oversize_bytes else None

    def expected_stored_urls(self) -> set[str]:
        """URLs a full crawl keeps in the raw store: every page, redirects, not oversized ones."""
        urls = self.expected_trial_urls() | self.expected_listing_urls() | set(self.redirects())
        oversized = self.oversized_url()
        return urls - {oversized} if oversized else urls

    def sitemap_url(self) -> str:
        return f"{self.base_url}/sitemap.xml"

    # -- the request log -------------------------------------------------------

    def requested_paths(self, since: int = 0) -> list[str]:
        with self._lock:
            return [r.path for r in self.log[since:]]

    def requests_for(self, path: str, since: int = 0) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.log[since:] if r.path == path]

    def mark(self) -> int:
        """A position in the log; pass it as ``since`` to see only later requests."""
        with self._lock:
            return len(self.log)

    # -- serving ---------------------------------------------------------------

    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self.log.append(rec)

    def _first_hit(self, path: str) -> bool:
        with self._lock:
            n = self._hits.get(path, 0)
            self._hits[path] = n + 1
        return n == 0

    def _wait_gate(self, path: str) -> None:
        if path in ("/robots.txt", "/sitemap.xml"):
            return
        with self._lock:
            self._served += 1
            held = self._hold_after is not None and self._served > self._hold_after
        if held:
            self._gate.wait(timeout=120)

    def page(self, raw_path: str) -> _Page:
        """The response for a path (without conditional handling)."""
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/robots.txt":
            body = render_robots(
                self.base_url, DISALLOWED if self.failures else (), crawl_delay=self.crawl_delay
            )
            return _Page(200, body.encode(), "text/plain; charset=utf-8", _EPOCH)
        if path == "/sitemap.xml":
            urls = [self.listing_url(c) for c in self.conditions]
            urls += [self.trial_url(i) for i in range(self.n_trials)]
            return _Page(200, render_sitemap(urls).encode(), "application/xml", _EPOCH)
        if path.startswith("/clinical-trials/for-"):
            return self._listing_page(path.removeprefix("/clinical-trials/for-"), parts.query)
        if path.startswith("/trial/"):
            return self._trial_page(path.removeprefix("/trial/"))
        if path.startswith("/private/"):
            return _Page(200, b"<html><body><h1>Staff only</h1></body></html>")
        if path == "/":
            links = "".join(
                f'<a href="{self.listing_url(c)}">{c.name}</a>' for c in self.conditions
            )
            return _Page(200, f"<html><body>{links}</body></html>".encode(), last_modified=_EPOCH)
        return _Page(404, b"<html><body>Not found</body></html>")

    def _listing_page(self, slug: str, query: str) -> _Page:
        indices = self._by_condition.get(slug)
        condition = next((c for c in self.conditions if c.slug == slug), None)
        page_arg = parse_qs(query).get("page", ["1"])[0]
        if condition is None or indices is None or not page_arg.isdigit():
            return _Page(404, b"<html><body>No such listing</body></html>")
        page, n_pages = int(page_arg), self.n_listing_pages(condition)
        if not 1 <= page <= n_pages:
            return _Page(404, b"<html><body>No such page</body></html>")
        chosen = indices[(page - 1) * self.per_page : page * self.per_page]
        trials = [self.trial(i) for i in chosen]
        hrefs: dict[str, list[str]] = {}
        extra: list[tuple[str, str]] = []
        if self.failures:
            for t in trials:
                if t.index == REDIRECTED:
                    hrefs[t.slug] = [t.path + "/"]
                elif t.index == DUPLICATED:
                    hrefs[t.slug] = [t.path, t.path + "#eligibility"]
                elif t.index == 0:
                    extra.append((f"/trial/draft-{t.slug}", "Coming soon"))
            extra.append(("/private/admin", "Staff area"))
        body = render_listing(
            condition,
            trials,
            page=page,
            n_pages=n_pages,
            total=len(indices),
            layout_version=self.layout_version,
            trial_href=hrefs,
            extra_links=extra,
            conditions=self.conditions,
            base_url=self.base_url,
        )
        revision = max((t.revision for t in trials), default=0)
        return _Page(200, body.encode(), last_modified=_EPOCH + timedelta(minutes=revision))

    def _trial_page(self, slug: str) -> _Page:
        if slug.startswith("draft-") and slug.removeprefix("draft-") in self._by_slug:
            return _Page(200, b"<html><body><h1>Draft trial</h1></body></html>")
        if slug.endswith("/") and slug.rstrip("/") in self._by_slug:
            location = f"{self.base_url}/trial/{slug.rstrip('/')}"
            return _Page(301, b"", headers=(("Location", location),))
        index = self._by_slug.get(slug)
        if index is None:
            return _Page(404, b"<html><body>No such trial</body></html>")
        path = f"/trial/{slug}"
        if self.failures:
            if index in (TRANSIENT_503, RATE_LIMITED) and self._first_hit(path):
                if index == RATE_LIMITED:
                    headers = (("Retry-After", str(self.retry_after)),)
                    return _Page(
                        429, b"<html><body>Too many requests</body></html>", headers=headers
                    )
                return _Page(503, b"<html><body>Service unavailable</body></html>")
            if index == SLOW:
                time.sleep(self.slow_seconds)
        trial = self.trial(index)
        html = render_trial(
            trial,
            self.style_of(index),
            self.base_url,
            layout_version=self.layout_version,
            salt=str(self.seed),
        )
        if self.failures and index == MALFORMED:
            html = html[: len(html) // 2] + '<div class="unterminated"><p title="cut'
        if self.failures and index == OVERSIZED and self.oversize_bytes:
            pad = self.oversize_bytes - len(html)
            html = html.replace("</body>", "<!--" + "x" * max(pad, 0) + "--></body>")
        modified = _EPOCH + timedelta(minutes=trial.revision)
        return _Page(200, html.encode(), last_modified=modified)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A crawler that was killed or hit its size cap drops connections: not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    site: SampleSite
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers expect
    # Headers and body leave in one write, without Nagle's wait for a delayed ACK
    # (40 ms per response otherwise).
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server_version = "TrialdexSample/1"

    def log_message(self, format: str, *args: object) -> None:
        pass  # the site keeps its own structured log

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, *, head: bool) -> None:
        arrived = time.monotonic()
        site = self.site
        site._wait_gate(urlsplit(self.path).path)
        page = site.page(self.path)
        etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
        status = page.status
        if status == 200 and _not_modified(self.headers, etag, page.last_modified):
            status = 304
        site._record(
            RequestRecord(
                time=arrived,
                method=self.command,
                path=self.path,
                status=status,
                if_none_match=self.headers.get("If-None-Match"),
                if_modified_since=self.headers.get("If-Modified-Since"),
                user_agent=self.headers.get("User-Agent"),
            )
        )
        body = b"" if status == 304 or head else page.body
        try:
            self.send_response(status)
            self.send_header("Content-Type", page.content_type)
            if page.status == 200:
                self.send_header("ETag", etag)
                if page.last_modified is not None:
                    stamp = email.utils.format_datetime(page.last_modified, usegmt=True)
                    self.send_header("Last-Modified", stamp)
            for name, value in page.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
            self.end_headers()
            if body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the crawler went away (e.g. it was killed)


def _not_modified(headers: object, etag: str, last_modified: datetime | None) -> bool:
    get = getattr(headers, "get")  # noqa: B009 - http.client.HTTPMessage
    inm = get("If-None-Match")
    if inm:
        return etag in [t.strip() for t in str(inm).split(",")] or inm.strip() == "*"
    ims = get("If-Modified-Since")
    if ims and last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(str(ims))
        except (TypeError, ValueError):
            return False
        return last_modified <= since
    return False
