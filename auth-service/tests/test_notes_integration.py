"""auth-service and notes-service together: notes-service trusts auth-service's tokens.

notes-service fetches the JWKS from its configured URL with its own HTTP
client; respx hands that request to the auth-service app in process. The one
place where a test imports another service: the services' code never does.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service import outbox, users
from auth_service.config import Settings
from auth_service.models import OutboxEvent, User
from auth_service.notes_client import NotesClient
from auth_service.outbox import Backoff, OutboxDispatcher
from auth_service.service_tokens import ServiceTokenCache

# mypy checks one package at a time and sees only it and platform_common.
from notes_service.config import Settings as NotesSettings  # type: ignore[import-not-found]
from notes_service.main import create_app as create_notes_app  # type: ignore[import-not-found]
from platform_common.testing.issuer import TokenIssuer
from tests.conftest import BASE_URL, PURGE_CLIENT, PURGE_SECRET, Account, delete_me

NOTES_ROOT = Path(__file__).resolve().parents[2] / "notes-service"
JWKS_URL = f"{BASE_URL}/auth/.well-known/jwks.json"
REVOCATIONS_URL = f"{BASE_URL}/internal/revocations"
NOTE = {"title": "first note", "description": "from a real token"}


@pytest.fixture(scope="module")
async def auth_upstream(app: FastAPI) -> AsyncIterator[respx.MockRouter]:
    """auth-service's JWKS and revocation list, served in process to notes-service."""
    auth = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)

    async def serve_from_auth_service(request: httpx.Request) -> httpx.Response:
        upstream = await auth.get(request.url.path)
        return httpx.Response(
            upstream.status_code,
            content=upstream.content,
            headers={"Content-Type": upstream.headers["Content-Type"]},
        )

    async with auth:
        with respx.mock(assert_all_called=False) as mock:
            mock.get(JWKS_URL, name="jwks").mock(side_effect=serve_from_auth_service)
            mock.get(REVOCATIONS_URL, name="revocations").mock(side_effect=serve_from_auth_service)
            yield mock


@pytest.fixture(scope="module")
async def notes_app(
    database_url: str, settings: Settings, auth_upstream: respx.MockRouter
) -> AsyncIterator[FastAPI]:
    config = Config(NOTES_ROOT / "alembic.ini")
    config.set_main_option("sqlalchemy.url", database_url)
    await asyncio.to_thread(command.upgrade, config, "head")
    notes_settings = NotesSettings(
        database_url=database_url,
        jwks_url=JWKS_URL,
        jwt_issuer=settings.jwt_issuer,
        jwks_refetch_floor_seconds=0,
        revocations_url=REVOCATIONS_URL,
        # Polled at start-up, then by hand (`refresh()`), so that a poll never
        # shares a test's session with the test's own requests.
        revocations_poll_interval_seconds=3600,
    )
    app = create_notes_app(notes_settings)
    async with app.router.lifespan_context(app):
        revocations = auth_upstream.routes["revocations"]
        for _ in range(500):
            if app.state.revocations.loaded:
                break
            await asyncio.sleep(0.01)
        assert revocations.called
        yield app


@pytest.fixture
async def notes(
    notes_app: FastAPI, auth_upstream: respx.MockRouter
) -> AsyncIterator[tuple[httpx.AsyncClient, respx.Route]]:
    transport = httpx.ASGITransport(app=notes_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notes.test") as client:
        yield client, auth_upstream.routes["jwks"]


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


class TestRevokedTokens:
    """A deleted or deactivated user's token is refused by notes-service once it polls."""

    async def test_deleted_user(
        self,
        notes: tuple[httpx.AsyncClient, respx.Route],
        notes_app: FastAPI,
        client: httpx.AsyncClient,
        alice: Account,
        bob: Account,
    ) -> None:
        notes_client, _ = notes
        assert (await notes_client.get("/notes/", headers=alice.headers)).status_code == 200
        assert (await delete_me(client, alice)).status_code == 204
        # Until the next poll (every NOTES_REVOCATIONS_POLL_INTERVAL_SECONDS) it still works:
        # that interval is the bound.
        assert (await notes_client.get("/notes/", headers=alice.headers)).status_code == 200
        assert await notes_app.state.revocations.refresh()
        refused = await notes_client.get("/notes/", headers=alice.headers)
        assert refused.status_code == 401
        assert 'error_description="token revoked"' in refused.headers["WWW-Authenticate"]
        assert (await notes_client.get("/notes/", headers=bob.headers)).status_code == 200

    async def test_deactivated_user(
        self,
        notes: tuple[httpx.AsyncClient, respx.Route],
        notes_app: FastAPI,
        client: httpx.AsyncClient,
        root: Account,
        bob: Account,
    ) -> None:
        notes_client, _ = notes
        deactivate = await client.patch(
            f"/auth/users/{bob.id}", json={"is_active": False}, headers=root.headers
        )
        assert deactivate.status_code == 200
        assert await notes_app.state.revocations.refresh()
        assert (await notes_client.get("/notes/", headers=bob.headers)).status_code == 401
        # auth-service itself checks the account on every request.
        assert (await client.get("/auth/me", headers=bob.headers)).status_code == 401


class TestOutboxAgainstNotesService:
    """The dispatcher and the real notes-service app, in process."""

    @pytest.fixture
    async def purge_answers(
        self, notes_app: FastAPI
    ) -> AsyncIterator[tuple[httpx.AsyncClient, list[dict[str, int]]]]:
        answers: list[dict[str, int]] = []

        async def record(response: httpx.Response) -> None:
            await response.aread()
            answers.append(response.json())

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=notes_app),
            base_url="http://notes.test",
            event_hooks={"response": [record]},
        ) as http:
            yield http, answers

    async def test_crash_between_delivery_and_marking(
        self,
        notes: tuple[httpx.AsyncClient, respx.Route],
        app: FastAPI,
        committed_db: async_sessionmaker[AsyncSession],
        purge_answers: tuple[httpx.AsyncClient, list[dict[str, int]]],
        alice: Account,
        bob: Account,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        notes_client, _ = notes
        for headers in (alice.headers, alice.headers, bob.headers):
            assert (await notes_client.post("/notes/", json=NOTE, headers=headers)).is_success
        async with committed_db() as session:
            session.add(User(id=uuid.UUID(alice.id), email=alice.email, hashed_password="x"))
            await session.commit()
            await users.delete_user(session, user_id=uuid.UUID(alice.id))
        http, answers = purge_answers
        tokens = ServiceTokenCache(
            app.state.auth.token_policy.signer,
            subject=PURGE_CLIENT,
            audience="notes-service",
            scope="notes:purge",
        )
        dispatcher = OutboxDispatcher(
            committed_db,
            NotesClient(http, access_token=tokens.token),
            backoff=Backoff(base_seconds=1, cap_seconds=2),
        )

        async def crash(session: AsyncSession, *, event_id: int) -> None:
            raise RuntimeError("killed before marking")

        monkeypatch.setattr(outbox, "mark_delivered", crash)
        with pytest.raises(ExceptionGroup):
            await dispatcher.run_once()
        assert answers == [{"deleted": 2}]  # delivered, not marked
        monkeypatch.undo()

        # The lease hides the event until it runs out; then it is delivered again.
        assert await dispatcher.run_once() == 0
        async with committed_db() as session:
            await session.execute(text("UPDATE auth.outbox_events SET next_attempt_at = now()"))
            await session.commit()
        assert await dispatcher.run_once() == 1
        assert answers == [{"deleted": 2}, {"deleted": 0}]  # the repeat was harmless

        async with committed_db() as session:
            (event,) = (await session.scalars(select(OutboxEvent))).all()
            assert event.delivered_at is not None
            assert event.attempts == 2
            # Marked: never claimed again, even when due.
            await session.execute(text("UPDATE auth.outbox_events SET next_attempt_at = now()"))
            await session.commit()
        assert await dispatcher.run_once() == 0
        assert answers == [{"deleted": 2}, {"deleted": 0}]
        assert (await notes_client.get("/notes/", headers=alice.headers)).json() == []
        assert len((await notes_client.get("/notes/", headers=bob.headers)).json()) == 1
