from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from gateway.config import Settings
from gateway.main import create_app
from platform_common.testing.contract import Contract
from platform_common.testing.dependencies import sync_dependencies
from tests.conftest import NOTE, NOTES_URL, asgi_client, make_settings


async def readiness_checks(internal_client: httpx.AsyncClient, status: int) -> dict[str, Any]:
    """`/health/ready`'s checks, its status asserted first."""
    response = await internal_client.get("/health/ready")
    assert response.status_code == status
    checks: dict[str, Any] = response.json()["checks"]
    return checks


class TestHealth:
    async def test_ping_and_live(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/ping")).json() == {"ping": "pong!"}
        assert (await client.get("/ping/")).json() == {"ping": "pong!"}
        live = await client.get("/health/live")
        assert live.status_code == 200
        assert live.json() == {"status": "ok"}

    @pytest.mark.usefixtures("live_upstreams")
    async def test_ready_reports_upstreams_and_jwks(
        self, internal_client: httpx.AsyncClient
    ) -> None:
        checks = await readiness_checks(internal_client, 200)
        assert checks["auth-service"]["ok"] is True
        assert checks["notes-service"]["ok"] is True
        assert checks["notes-service"]["replicas"][0]["circuit"] == "closed"
        assert checks["jwks"]["ok"] is True
        assert checks["jwks"]["age_seconds"] >= 0
        assert checks["jwks"]["keys"] == 1

    @pytest.mark.usefixtures("notes_down")
    async def test_not_ready_when_an_upstream_is_down(
        self, internal_client: httpx.AsyncClient
    ) -> None:
        checks = await readiness_checks(internal_client, 503)
        down = {
            "url": NOTES_URL,
            "ok": False,
            "error": "ConnectError",
            "circuit": "closed",
            "draining": False,
            "in_flight": 0,
        }
        assert checks["notes-service"] == {"ok": False, "replicas": [down]}
        assert checks["auth-service"]["ok"] is True


class TestMetrics:
    async def test_upstream_and_route_metrics(
        self,
        client: httpx.AsyncClient,
        internal_client: httpx.AsyncClient,
        mock: respx.MockRouter,
        notes_contract: Contract,
        auth_headers: dict[str, str],
    ) -> None:
        notes_contract.route(
            mock, "GET", "/notes/12", template="/notes/{note_id}", status=200, json=NOTE
        )
        await client.get("/notes/12", headers=auth_headers)
        await client.get("/notes/12")
        text = (await internal_client.get("/metrics")).text
        assert (
            'http_requests_total{method="GET",route="/notes/{note_id}",service="gateway",status="200"}'
            in text
        )
        assert (
            'http_requests_total{method="GET",route="/notes/{note_id}",service="gateway",status="401"}'
            in text
        )
        assert (
            'gateway_upstream_responses_total{method="GET",status="200",upstream="notes-service"}'
            in text
        )
        assert "gateway_upstream_response_seconds_bucket" in text
        assert 'gateway_refused_total{reason="token"}' in text


class TestCors:
    async def test_preflight_answered_without_token_or_upstream(
        self, mock: respx.MockRouter
    ) -> None:
        app = create_app(make_settings(cors_origins=["https://app.example"]))
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            response = await client.options(
                "/notes",
                headers={
                    "Origin": "https://app.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type",
                },
            )
            other = await client.get("/ping", headers={"Origin": "https://evil.example"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://app.example"
        assert "access-control-allow-origin" not in other.headers
        assert not any(route.called for route in mock.routes)

    def test_wildcard_with_credentials_refused(self) -> None:
        with pytest.raises(ValidationError, match="wildcard"):
            Settings(cors_origins=["*"], cors_allow_credentials=True)


class TestSettings:
    def test_defaults_for_local_runs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        settings = Settings()
        assert settings.port == 8000
        assert settings.auth_url == "http://127.0.0.1:8001"
        assert settings.notes_url == "http://127.0.0.1:8002"
        assert settings.jwks_url == "http://127.0.0.1:8001/auth/.well-known/jwks.json"
        assert settings.trusted_proxies == []
        assert [str(n) for n in settings.internal_networks] == ["127.0.0.1/32", "::1/128"]
        assert settings.body_idle_timeout_seconds == 10
        assert settings.body_total_timeout_seconds == 60

    def test_from_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("GATEWAY_AUTH_URL", "http://auth:8001/")
        monkeypatch.setenv("GATEWAY_NOTES_TIMEOUT_SECONDS", "2.5")
        monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", '["10.0.0.0/8", "fd00::/8"]')
        monkeypatch.setenv("GATEWAY_CORS_ORIGINS", '["https://app.example"]')
        settings = Settings()
        assert settings.jwks_url == "http://auth:8001/auth/.well-known/jwks.json"
        assert settings.notes_timeout_seconds == 2.5
        assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "fd00::/8"]
        assert settings.cors_origins == ["https://app.example"]

    def test_token_check_from_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The verifier's settings (platform_common.verification) keep their GATEWAY_ names."""
        monkeypatch.setenv("GATEWAY_JWKS_MAX_AGE_SECONDS", "60")
        assert Settings().jwks_max_age_seconds == 60
        monkeypatch.setenv("GATEWAY_JWKS_MAX_AGE_SECONDS", "0")
        with pytest.raises(ValidationError, match="jwks_max_age_seconds"):
            Settings()

    @pytest.mark.parametrize("value", ['["10.0.0.1/8"]', '["not-a-network"]', '"10.0.0.0/8"'])
    def test_malformed_networks_refused(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", value)
        with pytest.raises(ValidationError):
            Settings()


def test_no_dependency_runs_in_the_thread_pool() -> None:
    """Every dependency is `async def`: FastAPI sends a plain `def` one to a thread per request."""
    assert sync_dependencies(create_app(make_settings())) == []
