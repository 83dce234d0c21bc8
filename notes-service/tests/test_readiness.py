"""Readiness: the database, and (when revocations are on) the revocation list.

The verifier refuses every token until the list has loaded once (it fails
closed), so until then the service reports not ready and gets no traffic.
The list is mocked as auth-service documents it (auth-service/openapi.json).
"""

import asyncio

import httpx
import respx

from notes_service.config import Settings
from notes_service.main import create_app
from platform_common.testing.contract import Contract
from platform_common.testing.issuer import JWKS_URL, TokenIssuer

AUTH = Contract("auth-service", "http://auth.test")
LIST_PATH = "/internal/revocations"


async def test_not_ready_until_the_revocation_list_has_loaded_once(
    settings: Settings, issuer: TokenIssuer
) -> None:
    polling = settings.model_copy(
        update={
            "revocations_enabled": True,  # the switch of the shared verifier builder
            "revocations_url": AUTH.base_url + LIST_PATH,
            "revocations_poll_interval_seconds": 0.02,
        }
    )
    auth_service_up = False
    polled = asyncio.Event()

    def answer(_request: httpx.Request) -> httpx.Response:
        polled.set()
        if not auth_service_up:
            return httpx.Response(503, json={"detail": "down"})
        empty: dict[str, list[object]] = {"revoked": [], "sessions": [], "clients": []}
        return AUTH.response("GET", LIST_PATH, status=200, json=empty)

    async def two_polls() -> None:
        """After two polls, the first one's outcome is in effect."""
        for _ in range(2):
            polled.clear()
            await asyncio.wait_for(polled.wait(), timeout=5)

    with respx.mock(assert_all_called=False) as mock:
        mock.get(JWKS_URL).respond(json=issuer.jwks())
        AUTH.route_template(mock, "GET", LIST_PATH).side_effect = answer
        app = create_app(polling)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://notes.test"
            ) as client:
                await two_polls()
                waiting = await client.get("/health/ready")
                assert waiting.status_code == 503
                assert waiting.json()["checks"]["revocations"] == {"ok": False}
                auth_service_up = True
                await two_polls()
                ready = await client.get("/health/ready")
                assert ready.status_code == 200
                assert ready.json()["checks"]["revocations"] == {"ok": True}


async def test_no_revocation_check_when_switched_off(client: httpx.AsyncClient) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"database"}
