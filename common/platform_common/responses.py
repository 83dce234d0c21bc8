"""Error answers every service gives alike, for routes' `responses=`.

Documented so clients (and the schemathesis run in tests-e2e) can rely on
every status a route answers with, and on its `{"detail": ...}` body.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

Responses = dict[int | str, dict[str, Any]]


def header_doc(description: str, type_: str = "string", **schema: Any) -> dict[str, Any]:
    """A response header as OpenAPI documents it: `{"X-Total-Count":
    header_doc("Notes matching the filter", "integer")}` in a response's headers."""
    return {"description": description, "schema": {"type": type_, **schema}}


class ErrorDetail(BaseModel):
    """The body of every error but validation errors (422) and OAuth errors."""

    detail: str


UNAUTHORIZED: Responses = {
    401: {
        "model": ErrorDetail,
        "description": "No access token, or one that is invalid, expired or revoked",
    }
}
INSUFFICIENT_SCOPE: Responses = {
    403: {"model": ErrorDetail, "description": "The access token lacks the scope this route needs"}
}
# FastAPI answers 400 itself when a body cannot be decoded at all (not UTF-8,
# or a form it cannot parse), before validation could give its 422; a body
# whose Content-Type is not JSON is refused with 415 (platform_common.app).
MALFORMED_BODY: Responses = {
    400: {"model": ErrorDetail, "description": "The body cannot be decoded (e.g. not UTF-8)"},
    415: {
        "model": ErrorDetail,
        "description": "The body is not JSON (its Content-Type is not application/json)",
    },
}
