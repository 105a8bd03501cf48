"""The FastAPI application: the ``/v1`` JSON API, the search page, OpenAPI at /openapi.json.

``create_app(backend)`` serves a backend you hand in (tests); with none it
opens one on first request via `index.factory.open_backend` (Elasticsearch when
``ELASTICSEARCH_URL`` is set, else SQLite), so the server starts even while
Elasticsearch is still coming up. `app_from_env` is the factory uvicorn's
worker processes call (`trialdex serve`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api import problems, routes, ui
from api.auth import API_KEY_SETTING
from api.state import BackendHolder
from index.backend import SearchBackend
from index.factory import BackendKind, open_backend
from index.query_params import PARAMETER_NAMES
from index.search_models import MAX_PAGE_SIZE
from trialdex import __version__

# Settings read by `app_from_env` (what `trialdex serve` sets for its workers).
BACKEND_SETTING = "TRIALDEX_BACKEND"  # es | sqlite; unset: es when ELASTICSEARCH_URL is set
SQLITE_SETTING = "TRIALDEX_SQLITE"
ALIAS_SETTING = "TRIALDEX_ES_ALIAS"

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
    alias: str = "trials",
) -> FastAPI:
    """The application over ``backend``, or over the configured one opened lazily."""
    opener = partial(open_backend, kind, url=url, path=path, alias=alias)
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
    """Factory for uvicorn (``--factory``): the backend from the environment."""
    kind = os.environ.get(BACKEND_SETTING) or None
    if kind not in (None, "es", "sqlite"):
        from parsers.errors import ConfigurationError

        raise ConfigurationError(f"{BACKEND_SETTING}={kind!r}: expected 'es' or 'sqlite'")
    return create_app(
        kind=cast("BackendKind | None", kind),
        path=os.environ.get(SQLITE_SETTING) or None,
        alias=os.environ.get(ALIAS_SETTING) or "trials",
    )
