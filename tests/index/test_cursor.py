"""Forged page cursors: any decoded shape that is not a cursor of this API is a request error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from index import cursor
from index.errors import SearchRequestError


def _forge(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "data",
    [
        [2, "sqlite", "relevance", 5],
        [2, "sqlite", "relevance", None],
        [2, "sqlite", "relevance", {"a": 1}],
        [2, "sqlite", "relevance", "ab"],
        [2, "sqlite", "relevance", [[1], "x"]],
        [2, "sqlite", "relevance", [{"a": 1}, "x"]],
        [2, "sqlite", "relevance", [True, "x"]],
        [2, "sqlite", "relevance", [2**64, "x"]],
        [2, "sqlite", "relevance", [1.5, "x" * 5000]],
        [2, ["sqlite"], "relevance", [1.5, "x"]],
        [2, "sqlite", {"sort": 1}, [1.5, "x"]],
        [2, "sqlite", "relevance", [1.5]],
    ],
    ids=lambda data: repr(data)[:60],
)
def test_forged_cursor_is_a_request_error(data: Any) -> None:
    with pytest.raises(SearchRequestError, match="cursor"):
        cursor.decode(_forge(data), "sqlite", "relevance", 2)


def test_nan_is_refused_and_infinity_kept() -> None:
    nan = base64.urlsafe_b64encode(b'[2,"es","distance",[NaN,"x"]]').decode()
    with pytest.raises(SearchRequestError, match="cursor"):
        cursor.decode(nan, "es", "distance", 2)
    token = cursor.encode("es", "distance", [float("inf"), "x"])
    assert cursor.decode(token, "es", "distance", 2) == [float("inf"), "x"]


def test_extreme_but_valid_values_pass() -> None:
    values = [2**63 - 1, "ctgov:NCT1"]
    token = cursor.encode("sqlite", "relevance", values)
    assert cursor.decode(token, "sqlite", "relevance", 2) == values
