import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import respx
from fastapi import FastAPI

from gateway.main import create_app
from gateway.ratelimit import LoginThrottle, password_grant_username
from platform_common.testing.contract import Contract
from tests.conftest import TOKENS, make_settings

REDIS_URL = "redis://127.0.0.1:6379/0"
INVALID_GRANT = {"error": "invalid_grant", "error_description": "wrong email or password"}


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def login_form(username: str, password: str = "secret") -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


@pytest.fixture
def wrong_password(mock: respx.MockRouter, auth_contract: Contract) -> respx.Route:
    return auth_contract.route(mock, "POST", "/auth/token", status=400, json=INVALID_GRANT)


def throttled_app(
    redis_url: str | None = None, per_account: str = "3/minute", per_address: str = "10/minute"
) -> FastAPI:
    return create_app(
        make_settings(
            login_limit_per_account=per_account,
            login_limit_per_address=per_address,
            redis_url=redis_url,
        )
    )


@asynccontextmanager
async def _client(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c


class TestLoginThrottle:
    async def test_failures_per_account_then_429(self, wrong_password: respx.Route) -> None:
        app = throttled_app()
        async with _client(app, "198.51.100.1") as client:
            for _ in range(3):
                response = await client.post("/auth/token", data=login_form("ada@example.com"))
                assert response.status_code == 400
                assert response.json() == INVALID_GRANT
            # Same account, spelled differently.
            refused = await client.post("/auth/token", data=login_form(" ADA@Example.com"))
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert wrong_password.call_count == 3  # refused before auth-service was asked
            other = await client.post("/auth/token", data=login_form("bob@example.com"))
            assert other.status_code == 400

    async def test_failures_per_address(self, wrong_password: respx.Route) -> None:
        app = throttled_app(per_account="100/minute", per_address="3/minute")
        async with _client(app, "198.51.100.2") as client:
            for n in range(3):
                response = await client.post("/auth/token", data=login_form(f"u{n}@example.com"))
                assert response.status_code == 400
            refused = await client.post("/auth/token", data=login_form("new@example.com"))
            assert refused.status_code == 429
            assert "retry-after" in refused.headers

    async def test_successful_logins_not_throttled(
        self, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        route = auth_contract.route(mock, "POST", "/auth/token", status=200, json=TOKENS)
        app = throttled_app(per_account="2/minute", per_address="2/minute")
        async with _client(app, "198.51.100.3") as client:
            for _ in range(6):
                response = await client.post("/auth/token", data=login_form("ada@example.com"))
                assert response.status_code == 200
                assert response.json() == TOKENS
        assert route.call_count == 6

    async def test_form_forwarded_unchanged(
        self, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        route = auth_contract.route(mock, "POST", "/auth/token", status=200, json=TOKENS)
        app = throttled_app()
        form = b"grant_type=password&username=ada%40example.com&password=p%26ss+word&scope="
        async with _client(app, "198.51.100.4") as client:
            response = await client.post(
                "/auth/token",
                content=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 200
        sent = route.calls.last.request
        assert sent.content == form
        assert sent.headers["content-length"] == str(len(form))

    async def test_other_errors_not_counted(
        self, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        route = auth_contract.route(
            mock,
            "POST",
            "/auth/token",
            status=400,
            json={"error": "invalid_request", "error_description": "password missing"},
        )
        app = throttled_app(per_account="1/minute")
        async with _client(app, "198.51.100.5") as client:
            for _ in range(3):
                response = await client.post("/auth/token", data=login_form("ada@example.com"))
                assert response.status_code == 400
        assert route.call_count == 3

    async def test_refresh_grant_not_throttled(
        self, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        route = auth_contract.route(mock, "POST", "/auth/token", status=400, json=INVALID_GRANT)
        app = throttled_app(per_account="1/minute", per_address="1/minute")
        async with _client(app, "198.51.100.6") as client:
            for _ in range(3):
                form = {"grant_type": "refresh_token", "refresh_token": "used"}
                assert (await client.post("/auth/token", data=form)).status_code == 400
        assert route.call_count == 3

    async def test_oversized_login_form_is_413(self, wrong_password: respx.Route) -> None:
        app = throttled_app()
        async with _client(app, "198.51.100.7") as client:
            response = await client.post(
                "/auth/token", data=login_form("ada@example.com", "x" * 20000)
            )
            assert response.status_code == 413
        assert not wrong_password.called


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
class TestSharedCounters:
    async def test_two_gateways_share_counts(self, wrong_password: respx.Route) -> None:
        account = f"{uuid.uuid4().hex}@example.com"
        address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
        first = throttled_app(redis_url=REDIS_URL, per_account="2/minute")
        second = throttled_app(redis_url=REDIS_URL, per_account="2/minute")
        async with _client(first, address) as client:
            for _ in range(2):
                assert (
                    await client.post("/auth/token", data=login_form(account))
                ).status_code == 400
        async with _client(second, address) as client:
            refused = await client.post("/auth/token", data=login_form(account))
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
        assert wrong_password.call_count == 2


class TestStorageOutage:
    async def test_fails_open(self) -> None:
        throttle = LoginThrottle(
            per_account="1/minute", per_address="1/minute", redis_url="redis://127.0.0.1:1/0"
        )
        try:
            await throttle.record_failure(account="ada@example.com", address="192.0.2.1")
            assert (
                await throttle.retry_after(account="ada@example.com", address="192.0.2.1") is None
            )
        finally:
            await throttle.aclose()


class TestPasswordGrantUsername:
    @pytest.mark.parametrize(
        ("form", "expected"),
        [
            (b"grant_type=password&username=Ada%40Example.com&password=x", "ada@example.com"),
            (b"grant_type=refresh_token&refresh_token=x", None),
            (b"grant_type=password&password=x", None),
            (b"grant_type=password&username=a&username=b", None),
            (b"\xff\xfe", None),
        ],
    )
    def test_parse(self, form: bytes, expected: str | None) -> None:
        assert password_grant_username(form) == expected
