"""The FastAPI application: the ``/v1`` JSON API, the search page, OpenAPI at /openapi.json.

``create_app(backend)`` serves a backend you hand in (tests); with none it
opens the one `core.config` resolves on first request (Elasticsearch when
``ELASTICSEARCH_URL`` is set, else the SQLite file in ``TRIALDEX_HOME``), so
the server starts even while Elasticsearch is still coming up. `app_from_env` is
the factory uvicorn's
worker processes call (`trialdex serve`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api import problems, routes, ui
from api.auth import API_KEY_SETTING, AttemptLimit
from api.guard import GuardMiddleware
from api.state import BackendHolder
from core import __version__, config
from index.backend import SearchBackend
from index.factory import BackendKind, open_configured
from index.query_params import PARAMETER_NAMES
from index.search_models import MAX_PAGE_SIZE

# Settings `trialdex serve` hands its worker processes (resolved by `core.config`).
BACKEND_SETTING = config.env_name("backend")
SQLITE_SETTING = config.env_name("sqlite_path")
ALIAS_SETTING = config.env_name("es_alias")

DESCRIPTION = f"""
Search clinical trials gathered from registries and trial listing sites.

* **Records** are returned in the record contract (`trialdex schema` prints its
  JSON Schema): snake_case keys, `null` or `[]` for what a source does not state.
* **Filters**: every facet name is a query parameter; repeat it for several values
  (`?phase=PHASE2&phase=PHASE3` matches either), facets combine with AND.
* **Paging**: at most {MAX_PAGE_SIZE} hits per page; pass `next_cursor` back as
  `cursor` for the next page. Exports stream a whole result set.
* **Errors** are `application/problem+json` (RFC 9457) with `type`, `title`,
  `status`, `detail` and the `parameter` at fault. Unknown parameters are refused.
* **Keys**: reads need none. Endpoints that change state need the server's
  `{API_KEY_SETTING}`, sent as `X-API-Key` or `Authorization: Bearer`; without that
  setting they are disabled.
"""


def create_app(
    backend: SearchBackend | None = None,
    *,
    kind: BackendKind | None = None,
    path: str | Path | None = None,
    url: str | None = None,
    alias: str | None = None,
) -> FastAPI:
    """The application over ``backend``, or over the configured one opened lazily.

    ``kind``, ``path``, ``url`` and ``alias`` override the `core.config` settings."""
    settings = config.load(
        {"backend": kind, "sqlite_path": path, "elasticsearch_url": url, "es_alias": alias}
    )
    opener = partial(open_configured, settings)
    holder = BackendHolder(opener, backend)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        holder.close()

    app = FastAPI(
        title="Trialdex",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "search", "description": "Search, one trial, facets, autocomplete."},
            {"name": "export", "description": "A whole result set as CSV or JSON lines."},
            {"name": "operations", "description": "Health, and admin actions behind the key."},
        ],
    )
    app.state.backend = holder
    problems.install(app, PARAMETER_NAMES)
    app.include_router(routes.router)
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=ui.HERE / "static"), name="static")
    app.openapi = partial(_openapi, app)  # type: ignore[method-assign]
    app.state.key_attempts = AttemptLimit()
    # Outside Starlette's error middleware too, so that a 500 carries the headers.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: GuardMiddleware(build_stack())  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """OpenAPI without FastAPI's default 422 answers: validation errors are 400 problems."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            for code, answer in responses.items():
                content = answer.get("content", {})
                if code[0] in "45" and problems.PROBLEM_TYPE in content:
                    content.pop("application/json", None)  # errors are problem+json only
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                responses.setdefault(
                    "400",
                    {
                        "description": "A parameter is invalid.",
                        "content": {
                            problems.PROBLEM_TYPE: {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    },
                )
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = schema
    return schema


def app_from_env() -> FastAPI:
    """Factory for uvicorn (``--factory``): the backend `core.config` resolves."""
    return create_app()
