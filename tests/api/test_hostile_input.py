"""Property: no query the client controls gets a 5xx from any GET endpoint.

Hypothesis builds forged cursors (JSON arrays of any shape base64-encoded,
some starting like a real cursor; random bytes), arbitrary unicode and
extreme numbers, and sends them as every parameter of every GET endpoint,
the JSON API and the HTML pages, through the ASGI app on SQLite. Whatever
is wrong must be a 4xx (problem+json from the API), never a server error.
Examples are few and derandomized so this runs in seconds and the same
way each time; `tests/api/test_fuzz.py` covers the documented schema.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.query_params import PARAMETER_NAMES
from index.search_models import FACETS

# Path templates of the GET endpoints; {} is filled with a generated path value.
PATHS = [
    "/v1/trials",
    "/v1/trials/{}",
    "/v1/facets/{}",
    "/v1/suggest",
    "/v1/export.csv",
    "/v1/export.jsonl",
    "/v1/health",
    "/",
    "/trials/{}",
]
NAMES = [*PARAMETER_NAMES, "field", "prefix", "limit", "unknown", ""]

_json: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # NaN and Infinity as Python writes them


_cursor_like = st.builds(
    lambda version, backend, sort, values: [version, backend, sort, values],
    st.sampled_from([2, 1, 2.0, "2", None]),
    st.sampled_from(["sqlite", "elasticsearch", "", 0]) | _json,
    st.sampled_from(["relevance", "start_date", "distance"]) | _json,
    _json,
)
CURSORS = st.one_of(
    _cursor_like.map(_dumps).map(_b64),
    st.lists(_json, max_size=5).map(_dumps).map(_b64),
    st.binary(max_size=64).map(_b64),
    st.text(max_size=40),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e309", "-0", "9" * 400, "0x10", "1_000", "NaN", "inf", "90,180", "-91,0"]),
)
VALUES = st.one_of(CURSORS, NUMBERS, st.text(max_size=60), st.sampled_from([*FACETS, ""]))


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    path = draw(st.sampled_from(PATHS))
    if "{}" in path:
        path = path.format(
            quote(draw(st.sampled_from([*FACETS, ""]) | st.text(max_size=30)), safe="")
        )
    params = draw(st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=4))
    if draw(st.booleans()):
        params.append(("cursor", draw(CURSORS)))
    return path, params


def test_no_input_gets_a_server_error(sqlite_client: TestClient) -> None:
    @given(request=requests())
    @settings(
        max_examples=300,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(request: tuple[str, list[tuple[str, str]]]) -> None:
        path, params = request
        response = sqlite_client.get(path, params=params)
        assert response.status_code < 500, (path, params, response.text[:300])
        if path.startswith("/v1/") and response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"

    run()


def test_forged_cursors_are_400_naming_cursor(sqlite_client: TestClient) -> None:
    for forged in ([2, "sqlite", "relevance", 5], [2, "sqlite", "relevance", None]):
        response = sqlite_client.get("/v1/trials", params={"cursor": _b64(_dumps(forged))})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["parameter"] == "cursor"
