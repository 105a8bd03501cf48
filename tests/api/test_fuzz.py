"""Fuzzing the API from its own OpenAPI document (schemathesis, SQLite backend with records).

Every generated request, valid and invalid, must get no 5xx, a documented status
and content type, and a body that matches the documented schema; invalid data
must be refused. Examples are bounded (and derandomized) so this runs in seconds.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from index.backend import SearchBackend

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 25}


@pytest.fixture(scope="module")
def operations(sqlite_backend: SearchBackend) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(sqlite_backend))
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 8  # every endpoint of /v1 is described
    return found


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=str)
def test_api_conforms_to_its_openapi(operations: list[Any], mode: GenerationMode) -> None:
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(checks=checks)

        try:
            run()
        except Unsatisfiable:
            # No invalid request can be built without query or path parameters
            # (the admin endpoint takes only optional string headers).
            assert mode is GenerationMode.NEGATIVE and not _parameters(operation), operation.label


def _parameters(operation: Any) -> list[Any]:
    return [p for p in operation.iter_parameters() if p.definition["in"] in ("query", "path")]
