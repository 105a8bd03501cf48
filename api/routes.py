"""The versioned JSON API (``/v1``): search, one trial, facets, suggestions, exports, health.

Response models are the index's own (`SearchResponse`, `Facet`, `TrialRecord`);
responses are serialised straight from them by contract name (``"class"``).
Reads need no key; state-changing endpoints require ``TRIALDEX_API_KEY``
(see `api.auth`).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from api import export
from api.auth import require_api_key
from api.params import (
    bad_request,
    parse_search,
    reject_unknown,
    search_parameters,
)
from api.problems import PROBLEM_TYPE, Problem, not_found, unavailable
from api.state import BackendHolder, backend_of
from index.backend import SearchBackend
from index.query_params import PARAMETER_NAMES
from index.search_models import (
    FACETS,
    MAX_FACET_SIZE,
    SUGGEST_FACETS,
    Facet,
    SearchResponse,
)
from parsers.records import TrialRecord

router = APIRouter(prefix="/v1")
Backend = Annotated[SearchBackend, Depends(backend_of)]

MAX_SUGGEST = 50
MAX_PREFIX_CHARS = 100


def _problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    help_text = {
        400: "A parameter is invalid; `parameter` names it and `detail` says why.",
        401: "A state-changing endpoint was called without a valid API key.",
        403: "State-changing endpoints are disabled (no TRIALDEX_API_KEY is set).",
        404: "No such trial, facet or path.",
        429: "Too many wrong API keys from this address; wait `Retry-After` seconds.",
        503: "The search backend is unavailable; retry later.",
    }
    return {
        code: {
            "description": help_text[code],
            "model": Problem,
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(
        model.model_dump_json(by_alias=True), status_code=status, media_type="application/json"
    )


@router.get(
    "/trials",
    response_model=SearchResponse,
    summary="Search trials",
    description="Free text, filters (each facet name is a repeatable filter parameter: "
    "`?phase=PHASE2&phase=PHASE3`), age and distance filters, sorting and cursor "
    "paging. Facets are multi-select: each facet's counts apply the other facets' "
    "selections. Unknown parameters are refused.",
    responses=_problem_responses(400, 503),
    openapi_extra={"parameters": search_parameters()},
    tags=["search"],
)
def search_trials(request: Request, backend: Backend) -> Response:
    search = parse_search(request.query_params.multi_items())
    return Response(backend.search_json(search), media_type="application/json")


@router.get(
    "/trials/{id:path}",
    response_model=TrialRecord,
    summary="One trial by id",
    description="The full record in the contract of `trialdex schema`.",
    responses=_problem_responses(400, 404, 503),
    tags=["search"],
)
def get_trial(
    request: Request,
    backend: Backend,
    id: Annotated[
        str,
        Path(
            description="The record id, e.g. `ctgov:NCT01234567`.",
            examples=["ctgov:NCT01234567"],
            max_length=300,
        ),
    ],
) -> Response:
    reject_unknown(request.query_params.multi_items(), ())
    record = backend.get(id)
    if record is None:
        raise not_found(f"no trial with id {id!r}", parameter="id")
    return _json(record)


@router.get(
    "/facets/{name}",
    response_model=Facet,
    summary="All values of one facet",
    description="Values and counts of one facet under the other selections of the search "
    "parameters (the same as `GET /v1/trials` takes), most frequent first.",
    responses=_problem_responses(400, 404, 503),
    openapi_extra={
        "parameters": search_parameters(exclude=("size", "cursor", "facets", "facet_size"))
    },
    tags=["search"],
)
def facet_values(
    request: Request,
    backend: Backend,
    name: Annotated[str, Path(description="A facet name.", json_schema_extra={"enum": [*FACETS]})],
    size: Annotated[
        int, Query(ge=1, le=MAX_FACET_SIZE, description="How many values, most frequent first.")
    ] = 100,
) -> Response:
    if name not in FACETS:
        raise not_found(f"no facet {name!r}; facets: {', '.join(FACETS)}", parameter="name")
    search = parse_search(
        request.query_params.multi_items(),
        ignore=("size",),
        exclude=("cursor", "facets", "facet_size"),
    )
    return _json(backend.facet_values(name, search, size=size))


class Suggestions(BaseModel):
    field: str
    prefix: str
    suggestions: list[str] = Field(description="Most frequent first.")


@router.get(
    "/suggest",
    response_model=Suggestions,
    summary="Autocomplete",
    description="Values of a field with a word starting with `prefix`, most frequent first.",
    responses=_problem_responses(400, 503),
    tags=["search"],
)
def suggest(
    request: Request,
    backend: Backend,
    field: Annotated[
        str,
        Query(
            description="Which values: " + ", ".join(SUGGEST_FACETS),
            json_schema_extra={"enum": [*SUGGEST_FACETS]},
            examples=["condition"],
        ),
    ],
    prefix: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_PREFIX_CHARS,
            description="What was typed so far.",
            examples=["mye"],
        ),
    ],
    size: Annotated[int, Query(ge=1, le=MAX_SUGGEST)] = 10,
) -> Suggestions:
    reject_unknown(request.query_params.multi_items(), ("field", "prefix", "size"))
    if field not in SUGGEST_FACETS:
        raise bad_request("field", f"{field!r} has no suggestions; use {', '.join(SUGGEST_FACETS)}")
    if not prefix.strip():
        raise bad_request("prefix", "empty; type at least one letter")
    values = backend.suggest(field, prefix.strip(), size=size)
    return Suggestions(field=field, prefix=prefix, suggestions=values)


_EXPORT_EXCLUDE = ("size", "cursor", "facets", "facet_size")
_EXPORT_PARAMETERS = [
    *search_parameters(exclude=_EXPORT_EXCLUDE),
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"At most this many trials (1..{export.MAX_EXPORT_ROWS}, the default).",
        "schema": {"type": "integer", "minimum": 1, "maximum": export.MAX_EXPORT_ROWS},
    },
]


def _export(request: Request, backend: SearchBackend, kind: str) -> StreamingResponse:
    items = request.query_params.multi_items()
    search = parse_search(items, ignore=("limit",), exclude=_EXPORT_EXCLUDE)
    limit = export.MAX_EXPORT_ROWS
    raw_limits = [v for k, v in items if k == "limit"]
    if len(raw_limits) > 1:
        raise bad_request("limit", "given more than once; it takes one value")
    if raw_limits:
        try:
            limit = int(raw_limits[0])
        except ValueError:
            raise bad_request("limit", f"expected a whole number, got {raw_limits[0]!r}") from None
        if not 1 <= limit <= export.MAX_EXPORT_ROWS:
            raise bad_request("limit", f"{limit} is outside 1..{export.MAX_EXPORT_ROWS}")
    # Count first (cheap), so a bad request fails before the 200 is sent.
    total = backend.search(search.model_copy(update={"size": 0, "facets": []})).total
    records = export.iter_records(backend, search, limit)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    headers = {
        "Content-Disposition": f'attachment; filename="trials-{stamp}.{kind}"',
        "X-Total-Count": str(total),
        "X-Export-Truncated": "true" if total > limit else "false",
    }
    if kind == "csv":
        return StreamingResponse(
            export.iter_csv(records), media_type="text/csv; charset=utf-8", headers=headers
        )
    return StreamingResponse(
        export.iter_jsonl(records), media_type="application/x-ndjson", headers=headers
    )


_EXPORT_DOC = (
    "Every trial matching the search parameters (as `GET /v1/trials` takes, without paging), "
    "streamed page by page. `X-Total-Count` gives the number of matches and "
    "`X-Export-Truncated` whether `limit` cut it short."
)


@router.get(
    "/export.csv",
    summary="Export a result set as CSV",
    description=_EXPORT_DOC + " Columns are the record's fields by dotted name; lists are "
    "joined with `; `.",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **_problem_responses(400, 503),
    },
    response_class=StreamingResponse,
    openapi_extra={"parameters": _EXPORT_PARAMETERS},
    tags=["export"],
)
def export_csv(request: Request, backend: Backend) -> StreamingResponse:
    return _export(request, backend, "csv")


@router.get(
    "/export.jsonl",
    summary="Export a result set as JSON lines",
    description=_EXPORT_DOC + " One record per line, in the record contract.",
    responses={
        200: {
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            "description": "One TrialRecord per line",
        },
        **_problem_responses(400, 503),
    },
    response_class=StreamingResponse,
    openapi_extra={"parameters": _EXPORT_PARAMETERS},
    tags=["export"],
)
def export_jsonl(request: Request, backend: Backend) -> StreamingResponse:
    return _export(request, backend, "jsonl")


class Health(BaseModel):
    status: str = Field(description="`ok` when the backend answers.", examples=["ok"])
    backend: str = Field(description="`elasticsearch` or `sqlite`.")
    records: int = Field(description="Trials searchable now.")
    index: dict[str, Any] = Field(description="What the backend reports about its index.")


@router.get(
    "/health",
    response_model=Health,
    summary="Backend and index state",
    responses=_problem_responses(503),
    tags=["operations"],
)
def health(request: Request, backend: Backend) -> Health:
    reject_unknown(request.query_params.multi_items(), ())
    details = backend.health()
    if not details.get("ok", True):
        reason = details.get("error") or "it has no index to search yet"
        raise unavailable(f"the {backend.name} backend is not ready: {reason}")
    count = details.get("count")
    records = count if isinstance(count, int) else backend.count()
    return Health(status="ok", backend=backend.name, records=records, index=details)


class Reopened(BaseModel):
    backend: str
    records: int


@router.post(
    "/admin/reopen",
    response_model=Reopened,
    summary="Reopen the search backend (needs the API key)",
    description="Closes and reopens the backend connection, e.g. after the SQLite file was "
    "rebuilt. Send the key as `X-API-Key` or `Authorization: Bearer <key>`.",
    responses=_problem_responses(401, 403, 429, 503),
    dependencies=[Depends(require_api_key)],
    tags=["operations"],
)
def reopen(request: Request) -> Reopened:
    holder: BackendHolder = request.app.state.backend
    backend = holder.reopen()
    return Reopened(backend=backend.name, records=backend.count())


__all__ = ["PARAMETER_NAMES", "router"]
