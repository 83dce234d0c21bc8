"""Typed errors: every answer of 400 or more (after retries) raises one.

Each carries the status, the problem body (`{"detail": ...}`, FastAPI's 422
form, or OAuth's `{"error", "error_description"}`) and the `X-Request-Id` the
gateway gave the request, the key to its log lines.
"""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """An answer the platform gave with a status of 400 or more."""

    def __init__(self, response: httpx.Response, problem: Any) -> None:
        self.status = response.status_code
        self.problem = problem
        self.request_id = response.headers.get("X-Request-Id")
        self.headers = response.headers
        method, url = response.request.method, str(response.request.url)
        super().__init__(
            f"{method} {url}: {self.status} {problem!r} (request id {self.request_id})"
        )

    @property
    def detail(self) -> str | None:
        """The problem's `detail` (or OAuth's `error_description`), when it is text."""
        if isinstance(self.problem, dict):
            text = self.problem.get("detail", self.problem.get("error_description"))
            return text if isinstance(text, str) else None
        return None


class Unauthorized(ApiError):
    """401: no token, or one that is invalid, expired or revoked."""


class Forbidden(ApiError):
    """403: e.g. the token lacks the scope the operation needs."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: e.g. an Idempotency-Key reused with another body."""


class PreconditionFailed(ApiError):
    """412: the note changed since its ETag was read (If-Match); read it again."""


class RateLimited(ApiError):
    """429 still, once the retries allowed were spent (or none were allowed)."""

    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("Retry-After", "")
        return float(value) if value.isdigit() else None


class Unavailable(ApiError):
    """503 still, once the retries allowed were spent."""


class TokenError(ApiError):
    """The token endpoint refused (OAuth `error`: invalid_grant, invalid_client...)."""

    @property
    def error(self) -> str | None:
        value = self.problem.get("error") if isinstance(self.problem, dict) else None
        return value if isinstance(value, str) else None


BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: RateLimited,
    503: Unavailable,
}
# A path, not a secret.
TOKEN_PATH = "/auth/token"  # noqa: S105  # nosec B105
# In a request's extensions: a 401 to it goes to the auth flow, which renews the token.
RENEWABLE = "notes_platform.renewable_token"


def error_for(response: httpx.Response) -> ApiError:
    """The typed error for `response` (its body read)."""
    try:
        problem: Any = response.json()
    except ValueError:
        problem = response.text or None
    kind = BY_STATUS.get(response.status_code, ApiError)
    if response.request.url.path == TOKEN_PATH and response.status_code in (400, 401):
        kind = TokenError
    return kind(response, problem)


def _raises(response: httpx.Response) -> bool:
    """An answer ≥ 400, but for the 401 to a token the auth flow will renew
    and send again (notes_platform.tokens)."""
    if response.status_code == 401 and response.request.extensions.get(RENEWABLE):
        return False
    return response.status_code >= 400


def raise_for_status(response: httpx.Response) -> None:
    """httpx response hook (sync): raise the typed error for an answer ≥ 400."""
    if _raises(response):
        response.read()
        raise error_for(response)


async def araise_for_status(response: httpx.Response) -> None:
    """httpx response hook (async)."""
    if _raises(response):
        await response.aread()
        raise error_for(response)
