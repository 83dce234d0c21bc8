"""The errors a service answers itself, and the one handler that answers them.

A service raises a `ServiceError` subclass (`NoteNotFound`, `EmailTaken`,
the gateway's `Refusal`) from anywhere below its routes; the handler, which
every app of `platform_common.app.create_service_app` has, turns it into
JSON: `{"detail": message}` with its status and headers. A subclass with
another body (auth-service's OAuth errors, RFC 6749 §5.2) overrides `body()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class ServiceError(Exception):
    status_code: int = 400
    # What a subclass says when it always says the same thing.
    default_message: str = "Bad request"
    # Seconds, sent as Retry-After when set.
    retry_after: int | None = None
    # Sent with the answer (a subclass's own, or an instance's: the gateway
    # adds its quota headers to a refusal on its way out).
    headers: Mapping[str, str] = _NO_HEADERS

    def __init_subclass__(
        cls, *, status: int | None = None, message: str | None = None, **kwargs: Any
    ) -> None:
        """`class NotFound(ServiceError, status=404, message="Not found")`: a
        subclass's status and default message in its own line."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if message is not None:
            cls.default_message = message

    def __init__(
        self,
        message: str | None = None,
        status_code: int | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = self.default_message if message is None else message
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if headers is not None:
            self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"detail": self.message}

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    def response(self) -> JSONResponse:
        return JSONResponse(
            self.body(), status_code=self.status_code, headers=self.response_headers()
        )


async def service_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return exc.response()


class Unauthorized(ServiceError):
    """401 as RFC 6750 §3 words it: no error code when no token was sent, else
    `invalid_token` and why (the detail says it too)."""

    status_code = 401

    def __init__(self, description: str | None = None) -> None:
        if description is None:
            super().__init__("Not authenticated", headers={"WWW-Authenticate": "Bearer"})
            return
        challenge = f'Bearer error="invalid_token", error_description="{description}"'
        super().__init__(description, headers={"WWW-Authenticate": challenge})


class MissingScope(ServiceError):
    """403 for a valid token without the scope the route needs (RFC 6750 §3.1;
    platform_common.scopes checks it)."""

    status_code = 403

    def __init__(self, scope: str) -> None:
        challenge = f'Bearer error="insufficient_scope", scope="{scope}"'
        super().__init__(
            f"The access token lacks the scope {scope}", headers={"WWW-Authenticate": challenge}
        )
