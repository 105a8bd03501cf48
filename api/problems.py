"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API sends has the same shape: ``type``, ``title``,
``status``, ``detail`` and, when one query parameter is at fault,
``parameter`` (plus ``errors`` listing each problem when there are several).
Handlers here translate FastAPI's validation errors, `SearchRequestError`
from the index, and backend failures into that shape, so no client input
ever surfaces as a stack trace or a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import SearchRequestError
from index.query_params import guess_parameter
from parsers.errors import ConfigurationError, ServiceError

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "https://trialdex.invalid/problems/"  # stable identifiers, not fetchable pages

log = logging.getLogger(__name__)


class ParameterProblem(BaseModel):
    parameter: str | None = Field(default=None, description="The query or path parameter.")
    detail: str


class Problem(BaseModel):
    """An error response (RFC 9457)."""

    type: str = Field(description="Identifies the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and how to fix it.")
    parameter: str | None = Field(
        default=None, description="The parameter at fault, when there is one."
    )
    errors: list[ParameterProblem] = Field(
        default_factory=list, description="Each problem, when several parameters are at fault."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "type": TYPE_BASE + "invalid-parameter",
                    "title": "Invalid query parameter",
                    "status": 400,
                    "detail": "size: 500 is over the maximum page size of 100",
                    "parameter": "size",
                    "errors": [
                        {"parameter": "size", "detail": "500 is over the maximum page size of 100"}
                    ],
                }
            ]
        }
    }


class ApiProblem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        parameter: str | None = None,
        errors: list[ParameterProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.problem = Problem(
            type=TYPE_BASE + kind,
            title=title,
            status=status,
            detail=detail,
            parameter=parameter,
            errors=errors
            or ([ParameterProblem(parameter=parameter, detail=detail)] if parameter else []),
        )
        self.headers = headers


def invalid_parameter(parameter: str | None, detail: str) -> ApiProblem:
    """A 400 naming the parameter; ``detail`` is prefixed with it when it is not already."""
    text = detail if parameter is None or detail.startswith(parameter) else f"{parameter}: {detail}"
    return ApiProblem(
        400, "invalid-parameter", "Invalid query parameter", text, parameter=parameter
    )


def invalid_parameters(problems: list[ParameterProblem]) -> ApiProblem:
    """A 400 for several problems at once; ``parameter`` is the first one's."""
    problems = [
        p
        if p.parameter is None or p.detail.startswith(p.parameter)
        else ParameterProblem(parameter=p.parameter, detail=f"{p.parameter}: {p.detail}")
        for p in problems
    ]
    first = problems[0]
    detail = "; ".join(p.detail for p in problems)
    exc = ApiProblem(
        400, "invalid-parameter", "Invalid query parameter", detail, parameter=first.parameter
    )
    exc.problem.errors = problems
    return exc


def parameter_problem(parameter: str | None, detail: str) -> ParameterProblem:
    """One problem, its text starting with the parameter (a filter's "filter NAME: "
    becomes "NAME: ")."""
    if parameter is None:
        return ParameterProblem(parameter=None, detail=detail)
    detail = detail.removeprefix(f"filter {parameter}: ")
    text = detail if detail.startswith(parameter) else f"{parameter}: {detail}"
    return ParameterProblem(parameter=parameter, detail=text)


def search_request_problem(exc: SearchRequestError, names: list[str]) -> ApiProblem:
    """The 400 for a `SearchRequestError`: a problem nobody named a parameter for
    gets the first of ``names`` its text mentions."""
    problems = [
        parameter_problem(named or guess_parameter(detail, names), detail)
        for named, detail in zip(exc.parameters, exc.problems, strict=True)
    ]
    return invalid_parameters(problems or [ParameterProblem(parameter=None, detail=str(exc))])


def not_found(detail: str, parameter: str | None = None) -> ApiProblem:
    if parameter is not None and not detail.startswith(parameter):
        detail = f"{parameter}: {detail}"
    return ApiProblem(404, "not-found", "Not found", detail, parameter=parameter)


def unavailable(detail: str) -> ApiProblem:
    return ApiProblem(
        503,
        "backend-unavailable",
        "Search backend unavailable",
        detail,
        headers={"Retry-After": "5"},
    )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_TYPE,
        headers=headers,
    )


def install(app: FastAPI, parameter_names: list[str]) -> None:
    """Register the handlers; ``parameter_names`` helps name the parameter in index errors."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc.problem, exc.headers)

    @app.exception_handler(SearchRequestError)
    async def _search_request(request: Request, exc: SearchRequestError) -> JSONResponse:
        return problem_response(search_request_problem(exc, parameter_names).problem)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_from_pydantic(err) for err in exc.errors()]
        return problem_response(invalid_parameters(problems).problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}
        kind = kinds.get(exc.status_code, f"http-{exc.status_code}")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such path: {request.url.path}"
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        problem = Problem(type=TYPE_BASE + kind, title=title, status=exc.status_code, detail=detail)
        return problem_response(problem, dict(exc.headers) if exc.headers else None)

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSONResponse:
        log.warning("backend unavailable: %s", exc)
        problem = unavailable(f"the search backend did not answer: {exc}")
        return problem_response(problem.problem, problem.headers)

    @app.exception_handler(ConfigurationError)
    async def _configuration(request: Request, exc: ConfigurationError) -> JSONResponse:
        log.error("backend not configured: %s", exc)
        problem = unavailable(f"the search backend is not configured: {exc}")
        return problem_response(problem.problem, problem.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug or a backend failure nobody translated: log it, answer in the same shape.
        log.exception("unhandled error on %s", request.url.path)
        if _is_connection_error(exc):
            problem = unavailable(f"the search backend did not answer: {type(exc).__name__}")
            return problem_response(problem.problem, problem.headers)
        return problem_response(
            Problem(
                type=TYPE_BASE + "internal",
                title="Internal error",
                status=500,
                detail="the server failed on this request; it has been logged",
            )
        )


def _from_pydantic(err: Any) -> ParameterProblem:
    loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "path", "body")]
    parameter = loc[0] if loc else None
    shown = repr(err.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ParameterProblem(parameter=parameter, detail=f"{parameter}: {err['msg']} (got {shown})")


def _is_connection_error(exc: Exception) -> bool:
    try:
        from elastic_transport import ConnectionError as TransportConnectionError
    except ImportError:  # pragma: no cover - the client is a dependency
        return False
    return isinstance(exc, TransportConnectionError | ConnectionError)
