import asyncpg
import httpx
import pytest
import respx
from fastapi import FastAPI

from notes_service import service
from notes_service.config import Settings
from notes_service.main import create_app
from platform_common.testing.issuer import User


async def test_database_down_is_503_not_500(
    settings: Settings, jwks: respx.Route, alice: User
) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    app = create_app(
        settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/x"})
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notes.test") as client:
            listing = await client.get("/notes/", headers=alice.headers)
            assert (listing.status_code, listing.json()) == (
                503,
                {"detail": "Database unavailable"},
            )
            assert (await client.get("/health/ready")).status_code == 503
            assert (await client.get("/health/live")).status_code == 200


@pytest.mark.parametrize(
    "lost",
    [
        # What a pooled connection broken by a Postgres restart raises (seen in
        # the e2e restart test: 500s before these counted as "unavailable").
        asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the connection is closed"),
        asyncpg.InternalClientError("cannot switch to state 15; another operation is in progress"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    ],
    ids=["interface", "internal-client", "closed"],
)
async def test_connection_lost_mid_request_is_503(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: User,
    monkeypatch: pytest.MonkeyPatch,
    lost: Exception,
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise lost

    monkeypatch.setattr(service, "create_note", broken)
    created = await client.post(
        "/notes/", json={"title": "a note", "description": "lost"}, headers=alice.headers
    )
    assert (created.status_code, created.json()) == (503, {"detail": "Database unavailable"})
    assert created.headers["Retry-After"] == "1"
