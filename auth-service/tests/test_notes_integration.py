"""auth-service and notes-service together: notes-service trusts auth-service's tokens.

notes-service fetches the JWKS from its configured URL with its own HTTP
client; respx hands that request to the auth-service app in process. The one
place where a test imports another service: the services' code never does.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx
from alembic import command
from alembic.config import Config
from fastapi import FastAPI

from auth_service.config import Settings

# mypy checks one package at a time and sees only it and platform_common.
from notes_service.config import Settings as NotesSettings  # type: ignore[import-not-found]
from notes_service.main import create_app as create_notes_app  # type: ignore[import-not-found]
from platform_common.testing.issuer import TokenIssuer
from tests.conftest import BASE_URL, PURGE_CLIENT, PURGE_SECRET, Account

NOTES_ROOT = Path(__file__).resolve().parents[2] / "notes-service"
JWKS_URL = f"{BASE_URL}/auth/.well-known/jwks.json"
NOTE = {"title": "first note", "description": "from a real token"}


@pytest.fixture(scope="module")
async def notes_app(database_url: str, settings: Settings) -> AsyncIterator[FastAPI]:
    config = Config(NOTES_ROOT / "alembic.ini")
    config.set_main_option("sqlalchemy.url", database_url)
    await asyncio.to_thread(command.upgrade, config, "head")
    notes_settings = NotesSettings(
        database_url=database_url,
        jwks_url=JWKS_URL,
        jwt_issuer=settings.jwt_issuer,
        jwks_refetch_floor_seconds=0,
    )
    app = create_notes_app(notes_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def notes(
    notes_app: FastAPI, app: FastAPI
) -> AsyncIterator[tuple[httpx.AsyncClient, respx.Route]]:
    auth = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)

    async def serve_from_auth_service(request: httpx.Request) -> httpx.Response:
        upstream = await auth.get(request.url.path)
        return httpx.Response(
            upstream.status_code,
            content=upstream.content,
            headers={"Content-Type": upstream.headers["Content-Type"]},
        )

    transport = httpx.ASGITransport(app=notes_app)
    async with (
        auth,
        httpx.AsyncClient(transport=transport, base_url="http://notes.test") as client,
        respx.mock(assert_all_called=False) as mock,
    ):
        route = mock.get(JWKS_URL).mock(side_effect=serve_from_auth_service)
        yield client, route


async def test_user_token_accepted_by_notes_service(
    notes: tuple[httpx.AsyncClient, respx.Route], alice: Account
) -> None:
    client, jwks = notes
    created = await client.post("/notes/", json=NOTE, headers=alice.headers)
    assert created.status_code == 201, created.text
    listing = await client.get("/notes/", headers=alice.headers)
    assert listing.json() == [created.json()]
    assert jwks.called


async def test_refreshed_token_accepted(
    notes: tuple[httpx.AsyncClient, respx.Route], client: httpx.AsyncClient, alice: Account
) -> None:
    notes_client, _ = notes
    refreshed = await client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": alice.refresh_token}
    )
    token = refreshed.json()["access_token"]
    response = await notes_client.get("/notes/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_client_credentials_token_purges_notes(
    notes: tuple[httpx.AsyncClient, respx.Route], client: httpx.AsyncClient, alice: Account
) -> None:
    """What the account-deletion outbox will do: a notes:purge service token."""
    notes_client, _ = notes
    await notes_client.post("/notes/", json=NOTE, headers=alice.headers)
    issued = await client.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "scope": "notes:purge"},
        auth=(PURGE_CLIENT, PURGE_SECRET),
    )
    service_headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    purged = await notes_client.delete(f"/internal/users/{alice.id}/notes", headers=service_headers)
    assert (purged.status_code, purged.json()) == (200, {"deleted": 1})
    # The service token is not a user's token.
    assert (await notes_client.get("/notes/", headers=service_headers)).status_code == 403


async def test_token_from_another_signer_refused(
    notes: tuple[httpx.AsyncClient, respx.Route], alice: Account
) -> None:
    client, _ = notes
    forged = TokenIssuer(kid="2026-06-01").token(alice.id)
    response = await client.get("/notes/", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
