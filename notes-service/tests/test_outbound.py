"""notes-service's own HTTP client (JWKS and revocation list) goes straight to
auth-service: proxy environment variables, meant for the host's outbound
traffic, must not divert tokens' keys or the revocation list elsewhere."""

import json
from collections.abc import Iterator

import httpx
import pytest

from notes_service.config import Settings
from notes_service.main import create_app
from platform_common.testing.http_server import QuietHandler, serving
from platform_common.testing.issuer import TokenIssuer, User

# Nothing listens on port 1: a client that takes the proxy fails at once.
DEAD_PROXY = "http://127.0.0.1:1"


@pytest.fixture
def auth_service(issuer: TokenIssuer) -> Iterator[str]:
    """A real HTTP server for auth-service's JWKS and revocation list."""
    documents = {
        "/auth/.well-known/jwks.json": issuer.jwks(),
        "/internal/revocations": {"revoked": [], "sessions": [], "clients": []},
    }

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.answer(json.dumps(documents[self.path]).encode(), "application/json")

    with serving(Handler) as url:
        yield url


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_proxy_variables_ignored(
    settings: Settings,
    auth_service: str,
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, DEAD_PROXY)
    monkeypatch.setenv("HTTPS_PROXY", DEAD_PROXY)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    app = create_app(
        settings.model_copy(
            update={
                "revocations_enabled": True,  # the switch of the shared verifier builder
                "jwks_url": f"{auth_service}/auth/.well-known/jwks.json",
                "revocations_url": f"{auth_service}/internal/revocations",
            }
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notes.test") as client:
            assert await app.state.revocations.refresh()
            response = await client.get("/notes/", headers=alice.headers)
            assert response.status_code == 200, response.text
