"""The shared application assembly (platform_common.app)."""

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from platform_common.app import create_service_app

router = APIRouter()


@router.get("/whoami")
async def whoami(request: Request) -> dict[str, Any]:
    assert request.client is not None
    return {"client": request.client.host, "scheme": request.url.scheme}


async def ready(_: Request) -> dict[str, Any]:
    return {"thing": {"ok": True}}


def service_app(**options: Any) -> FastAPI:
    return create_service_app(service="test-service", readiness=ready, routers=[router], **options)


def client_from(app: FastAPI, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://service.test")


FORWARDED = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}


class TestTrustedProxies:
    @pytest.mark.parametrize("peer", ["127.0.0.1", "10.1.2.3"])
    async def test_forwarded_headers_of_a_trusted_peer_applied(self, peer: str) -> None:
        app = service_app(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
        async with client_from(app, peer) as client:
            answer = (await client.get("/whoami", headers=FORWARDED)).json()
        assert answer == {"client": "198.51.100.9", "scheme": "https"}

    async def test_forwarded_headers_of_an_untrusted_peer_ignored(self) -> None:
        app = service_app(trusted_proxies=["127.0.0.1"])
        async with client_from(app, "203.0.113.5") as client:
            answer = (await client.get("/whoami", headers=FORWARDED)).json()
        assert answer == {"client": "203.0.113.5", "scheme": "http"}

    async def test_without_trusted_proxies_nobody_is_believed(self) -> None:
        """The gateway's case: it works the client address out itself."""
        app = service_app()
        async with client_from(app, "127.0.0.1") as client:
            answer = (await client.get("/whoami", headers=FORWARDED)).json()
        assert answer == {"client": "127.0.0.1", "scheme": "http"}


class TestAssembly:
    async def test_health_routes_request_id_and_trailing_slash(self) -> None:
        async with client_from(service_app(), "127.0.0.1") as client:
            ping = await client.get("/ping/", headers={"X-Request-ID": "abcdef123456"})
            assert (ping.status_code, ping.json()) == (200, {"ping": "pong!"})
            assert ping.headers["X-Request-ID"] == "abcdef123456"
            assert (await client.get("/whoami/")).status_code == 200
            ready = await client.get("/health/ready")
            assert ready.json() == {"status": "ok", "checks": {"thing": {"ok": True}}}
