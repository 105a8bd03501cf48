"""The API key that state-changing endpoints require; reads need none.

The key is the ``TRIALDEX_API_KEY`` setting. With no key set, state-changing
endpoints are switched off (403) rather than open. A client sends the key as
``X-API-Key: <key>`` or ``Authorization: Bearer <key>``.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Header

from api.problems import ApiProblem
from core import config

API_KEY_SETTING = config.env_name("api_key")


def require_api_key(
    x_api_key: Annotated[str | None, Header(description="The API key.")] = None,
    authorization: Annotated[str | None, Header(description="`Bearer <key>`.")] = None,
) -> None:
    """FastAPI dependency for endpoints that change state."""
    expected = config.raw_value("api_key") or ""
    if not expected:
        raise ApiProblem(
            403,
            "writes-disabled",
            "State-changing endpoints are disabled",
            f"set {API_KEY_SETTING} on the server to enable them",
        )
    given = x_api_key
    if given is None and authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    # Constant-time comparison: the key must not leak through response timing.
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiProblem(
            401,
            "unauthorized",
            "API key required",
            "send the API key as X-API-Key or 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": 'Bearer realm="trialdex"'},
        )
