"""Response headers every answer carries, and the size bound on the request target.

**Headers.** Every response gets ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: no-referrer`` and a ``Content-Security-Policy``. The policy
is `STRICT_POLICY` everywhere (the search page loads its one script and its
stylesheet from ``/static`` and has no inline script or style) except on the
OpenAPI docs pages (`DOCS_PATHS`): FastAPI's Swagger UI and ReDoc pages load
their code from a CDN and start it with an inline script, so they get
`DOCS_POLICY`, which allows that CDN and inline code there and nowhere else.

**Sizes.** A request whose path and query string together exceed
`MAX_TARGET_BYTES` is answered 400 with a problem document naming the
longest parameter, before routing (400 rather than 414 because it is the
answer the OpenAPI document gives for a bad parameter, and clients already
handle it). Each parameter has its own, smaller limit
(`index.query_params`), which the endpoints check. What is handled where,
under `trialdex serve` (uvicorn with httptools, its default when installed):

* each parameter over its own limit (a ``q`` of 500 characters, say): the
  endpoint, a 400 problem naming the parameter;
* a target over `MAX_TARGET_BYTES` (16 KiB): this middleware, a 400 problem;
* a target over 64 KiB: httptools refuses the request line and uvicorn
  answers a plain-text 400 before the app is called; nothing in the app can
  change that. (With ``--http h11`` the bound is h11's
  ``max_incomplete_event_size``, 16 KiB of request line and headers still
  unread, so it depends on how the request arrives in packets.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import TYPE_BASE, ParameterProblem, Problem, problem_response

# Generous for any real search (a page URL with every facet selected is a few
# KiB), small enough that parsing a forged one costs nothing.
MAX_TARGET_BYTES = 16 * 1024

STRICT_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'none'; script-src 'self' 'unsafe-inline' {_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_CDN} https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


class GuardMiddleware:
    """ASGI middleware: the size bound on the way in, the headers on the way out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = DOCS_POLICY if path in DOCS_PATHS else STRICT_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in (
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        query: bytes = scope.get("query_string", b"")
        size = len(scope.get("raw_path") or path.encode()) + len(query)
        if size > MAX_TARGET_BYTES:
            response = problem_response(_too_long(query, size))
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _too_long(query: bytes, size: int) -> Problem:
    """The problem for an over-long target, naming the longest query parameter when there is one."""
    pairs: list[tuple[str, Any]] = parse_qsl(
        query.decode("latin-1"), keep_blank_values=True, max_num_fields=None
    )
    parameter = max(pairs, key=lambda pair: len(pair[1]))[0][:100] if pairs else None
    detail = f"the request target is {size} bytes, over the limit of {MAX_TARGET_BYTES}"
    if parameter is not None:
        detail = f"{parameter}: {detail}"
    return Problem(
        type=TYPE_BASE + "uri-too-long",
        title="Request target too long",
        status=400,
        detail=detail,
        parameter=parameter,
        errors=[ParameterProblem(parameter=parameter, detail=detail)] if parameter else [],
    )
