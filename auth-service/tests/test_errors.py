"""What auth-service's errors answer: the OAuth 2.0 form on the OAuth endpoints
(RFC 6749 §5.2), `{"detail": ...}` elsewhere, exactly as the clients parse them."""

import json

import pytest
from starlette.requests import Request

from auth_service.errors import (
    EmailTaken,
    InvalidClient,
    InvalidGrant,
    ServerBusy,
    TooManyRequests,
    service_error_handler,
)

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def request_to(path: str) -> Request:
    return Request({"type": "http", "method": "POST", "path": path, "headers": []})


async def answer(path: str, error: Exception) -> tuple[int, object, dict[str, str]]:
    response = await service_error_handler(request_to(path), error)
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in {"content-length", "content-type"}
    }
    return response.status_code, json.loads(bytes(response.body)), headers


class TestOAuthEndpoints:
    @pytest.mark.parametrize("path", ["/auth/token", "/auth/revoke/", "/auth/introspect"])
    async def test_an_oauth_error(self, path: str) -> None:
        assert await answer(path, InvalidGrant("invalid username or password")) == (
            400,
            {"error": "invalid_grant", "error_description": "invalid username or password"},
            NO_STORE,
        )

    async def test_an_unknown_client_is_challenged(self) -> None:
        assert await answer("/auth/token", InvalidClient("unknown client")) == (
            401,
            {"error": "invalid_client", "error_description": "unknown client"},
            {**NO_STORE, "www-authenticate": 'Basic realm="auth-service"'},
        )

    async def test_a_busy_server_is_temporarily_unavailable(self) -> None:
        assert await answer("/auth/token", ServerBusy()) == (
            503,
            {
                "error": "temporarily_unavailable",
                "error_description": "Too busy to check passwords right now; retry shortly",
            },
            {**NO_STORE, "retry-after": "1"},
        )

    async def test_any_other_error_is_an_invalid_request(self) -> None:
        assert await answer("/auth/token", TooManyRequests(retry_after=7)) == (
            429,
            {"error": "invalid_request", "error_description": "Too many requests; retry in 7 s"},
            {**NO_STORE, "retry-after": "7"},
        )


class TestOtherEndpoints:
    async def test_detail_form(self) -> None:
        assert await answer("/auth/register", EmailTaken()) == (
            409,
            {"detail": "A user with this email already exists"},
            {},
        )

    async def test_retry_after(self) -> None:
        assert await answer("/auth/register", ServerBusy()) == (
            503,
            {"detail": "Too busy to check passwords right now; retry shortly"},
            {"retry-after": "1"},
        )

    async def test_an_oauth_error_keeps_its_form(self) -> None:
        """A client's Basic credentials checked on another route (auth_service.deps)."""
        assert await answer("/auth/sessions", InvalidClient("malformed Basic credentials")) == (
            401,
            {"error": "invalid_client", "error_description": "malformed Basic credentials"},
            {**NO_STORE, "www-authenticate": 'Basic realm="auth-service"'},
        )
