"""The account-deletion outbox: written with the deletion, delivered until acknowledged.

notes-service is a respx mock whose answers are checked against its committed
OpenAPI document; tests-e2e runs the real one (test_account_deletion).
"""

import asyncio
import functools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.accounts import users
from auth_service.config import Settings
from auth_service.delivery import outbox
from auth_service.delivery.notes_client import PURGE_PATH, NotesClient
from auth_service.delivery.outbox import OutboxDispatcher
from auth_service.errors import UserNotFound
from auth_service.main import create_app
from auth_service.models import USER_DELETED, OutboxEvent, SubjectRevocation, User
from auth_service.oauth.service_tokens import ServiceTokenCache
from auth_service.security import AccessTokenSigner
from platform_common.backoff import Backoff
from platform_common.outbox_pacing import OutboxPacing
from platform_common.testing.contract import path_matches
from platform_common.tokens import AccessTokenVerifier, StaticKeys, parse_jwks
from tests.conftest import BASE_URL, NOTES, Account, delete_me

Sessions = async_sessionmaker[AsyncSession]


def purged(deleted: int = 1) -> httpx.Response:
    return NOTES.response("DELETE", PURGE_PATH, status=200, json={"deleted": deleted})


def purged_user(request: httpx.Request) -> str:
    assert path_matches(PURGE_PATH, request.url.path)
    return request.url.path.split("/")[3]


async def new_user(sessions: Sessions) -> uuid.UUID:
    async with sessions() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", hashed_password="x")
        session.add(user)
        await session.commit()
        return user.id


async def deleted_users(sessions: Sessions, count: int) -> list[uuid.UUID]:
    ids = []
    for _ in range(count):
        user_id = await new_user(sessions)
        async with sessions() as session:
            await users.delete_user(session, user_id=user_id)
        ids.append(user_id)
    return ids


@dataclass
class EventState:
    attempts: int
    due_in: float  # seconds from now
    delivered: bool
    last_error: str | None
    failed: bool = False


async def events(sessions: Sessions) -> list[EventState]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                OutboxEvent.attempts,
                func.extract("epoch", OutboxEvent.next_attempt_at - func.now()),
                OutboxEvent.delivered_at.is_not(None),
                OutboxEvent.last_error,
                OutboxEvent.failed_at.is_not(None),
            ).order_by(OutboxEvent.id)
        )
        return [EventState(a, float(d), bool(done), e, bool(f)) for a, d, done, e, f in rows]


async def make_due(sessions: Sessions) -> None:
    """What waiting out the backoff (or a lease) would do."""
    async with sessions() as session:
        await session.execute(text("UPDATE auth.outbox_events SET next_attempt_at = now()"))
        await session.commit()


@pytest.fixture
def signer(app: FastAPI) -> AccessTokenSigner:
    result: AccessTokenSigner = app.state.auth.token_policy.signer
    return result


NewDispatcher = Callable[..., OutboxDispatcher]


@pytest.fixture
def new_dispatcher(
    committed_db: Sessions, notes_http: httpx.AsyncClient, signer: AccessTokenSigner
) -> NewDispatcher:
    """Dispatchers (options as make_dispatcher's) on the committed database and mocked notes."""
    return functools.partial(make_dispatcher, committed_db, notes_http, signer)


@pytest.fixture
def dispatcher(new_dispatcher: NewDispatcher) -> OutboxDispatcher:
    return new_dispatcher()


def make_dispatcher(
    sessions: Sessions,
    http: httpx.AsyncClient,
    signer: AccessTokenSigner,
    *,
    batch_size: int = 20,
    poll_interval: float = 1.0,
) -> OutboxDispatcher:
    tokens = ServiceTokenCache(
        signer, subject="auth-service-outbox", audience="notes-service", scope="notes:purge"
    )
    return OutboxDispatcher(
        sessions,
        NotesClient(http, access_token=tokens.token),
        pacing=OutboxPacing(
            backoff=Backoff(base_seconds=10, cap_seconds=60, rng=random.Random(5)),
            batch_size=batch_size,
            poll_interval=poll_interval,
            lease=timedelta(seconds=30),
        ),
    )


class TestDeleteUser:
    async def test_event_and_revocation_written_with_the_deletion(
        self, committed_db: Sessions
    ) -> None:
        user_id = await new_user(committed_db)
        async with committed_db() as session:
            await users.delete_user(session, user_id=user_id)
        async with committed_db() as session:
            assert await session.get(User, user_id) is None
            (event,) = (await session.scalars(select(OutboxEvent))).all()
            assert (event.kind, event.payload) == (USER_DELETED, {"user_id": str(user_id)})
            assert (event.attempts, event.delivered_at, event.last_error) == (0, None, None)
            assert await session.get(SubjectRevocation, user_id) is not None

    async def test_nothing_written_for_unknown_user(self, committed_db: Sessions) -> None:
        async with committed_db() as session:
            with pytest.raises(UserNotFound):
                await users.delete_user(session, user_id=uuid.uuid4())
        assert await events(committed_db) == []

    async def test_deletion_undone_when_the_event_cannot_be_written(
        self, committed_db: Sessions
    ) -> None:
        user_id = await new_user(committed_db)
        async with committed_db() as session:
            await session.execute(
                text(
                    "CREATE FUNCTION auth.refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'outbox unavailable'; END $$"
                )
            )
            await session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON auth.outbox_events "
                    "FOR EACH ROW EXECUTE FUNCTION auth.refuse()"
                )
            )
            await session.commit()
        try:
            async with committed_db() as session:
                with pytest.raises(DBAPIError, match="outbox unavailable"):
                    await users.delete_user(session, user_id=user_id)
        finally:
            async with committed_db() as session:
                await session.execute(text("DROP FUNCTION auth.refuse() CASCADE"))
                await session.commit()
        async with committed_db() as session:
            assert await session.get(User, user_id) is not None
            assert await session.get(SubjectRevocation, user_id) is None
        assert await events(committed_db) == []


class TestDeletionRoutes:
    """Both ways to delete an account write the event (rolled-back session)."""

    async def outbox_for(self, session: AsyncSession, user_id: str) -> list[OutboxEvent]:
        rows = await session.scalars(
            select(OutboxEvent).where(
                OutboxEvent.payload["user_id"].astext == user_id,
                OutboxEvent.kind == USER_DELETED,
            )
        )
        return list(rows.all())

    async def test_delete_me(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account
    ) -> None:
        response = await delete_me(client, alice)
        assert response.status_code == 204
        assert [e.kind for e in await self.outbox_for(session, alice.id)] == [USER_DELETED]

    async def test_superuser_delete(
        self, client: httpx.AsyncClient, session: AsyncSession, root: Account, bob: Account
    ) -> None:
        response = await client.delete(f"/auth/users/{bob.id}", headers=root.headers)
        assert response.status_code == 204
        assert [e.kind for e in await self.outbox_for(session, bob.id)] == [USER_DELETED]


class TestRevocationList:
    async def test_deleted_and_deactivated_users_listed(
        self, client: httpx.AsyncClient, root: Account, alice: Account, bob: Account
    ) -> None:
        before = await client.get("/internal/revocations")
        assert before.status_code == 200
        assert {alice.id, bob.id}.isdisjoint(entry["sub"] for entry in before.json()["revoked"])
        await delete_me(client, alice)
        await client.patch(f"/auth/users/{bob.id}", json={"is_active": False}, headers=root.headers)
        listed = (await client.get("/internal/revocations")).json()["revoked"]
        entries = {entry["sub"]: entry["min_version"] for entry in listed}
        assert (entries[alice.id], entries[bob.id]) == (None, 1)

    async def test_other_updates_revoke_nothing(
        self, client: httpx.AsyncClient, root: Account, bob: Account
    ) -> None:
        await client.patch(f"/auth/users/{bob.id}", json={"full_name": "B"}, headers=root.headers)
        await client.patch(f"/auth/users/{bob.id}", json={"is_active": True}, headers=root.headers)
        listed = (await client.get("/internal/revocations")).json()["revoked"]
        assert bob.id not in {entry["sub"] for entry in listed}

    async def test_old_revocations_not_listed(
        self, client: httpx.AsyncClient, session: AsyncSession, app: FastAPI
    ) -> None:
        window: timedelta = app.state.auth.revocation_window
        assert window.total_seconds() >= 900 + 10  # token lifetime + verifier leeway
        old, recent = uuid.uuid4(), uuid.uuid4()
        await session.execute(
            text(
                "INSERT INTO auth.subject_revocations (user_id, revoked_at) VALUES "
                "(:old, now() - CAST(:window AS interval) - interval '1 second'), "
                "(:recent, now() - CAST(:window AS interval) / 2)"
            ),
            {"old": old, "recent": recent, "window": window},
        )
        listed = {e["sub"] for e in (await client.get("/internal/revocations")).json()["revoked"]}
        assert str(recent) in listed
        assert str(old) not in listed


class TestDispatcher:
    async def test_delivers_once_and_marks(
        self, committed_db: Sessions, dispatcher: OutboxDispatcher, notes_mock: respx.Route
    ) -> None:
        (user_id,) = await deleted_users(committed_db, 1)
        notes_mock.side_effect = lambda request: purged(3)
        assert await dispatcher.run_once() == 1
        assert [purged_user(call.request) for call in notes_mock.calls] == [str(user_id)]
        ((state),) = await events(committed_db)
        assert (state.attempts, state.delivered, state.last_error) == (1, True, None)
        # Acknowledged: never sent again, not even when it would otherwise be due.
        await make_due(committed_db)
        assert await dispatcher.run_once() == 0
        assert notes_mock.call_count == 1

    async def test_service_token(
        self,
        committed_db: Sessions,
        dispatcher: OutboxDispatcher,
        notes_mock: respx.Route,
        app: FastAPI,
    ) -> None:
        await deleted_users(committed_db, 1)
        notes_mock.side_effect = lambda request: purged()
        await dispatcher.run_once()
        header = notes_mock.calls.last.request.headers["Authorization"]
        verifier = AccessTokenVerifier(
            StaticKeys(parse_jwks(app.state.auth.key_ring.jwks())),
            issuer=f"{BASE_URL}/auth",
            audiences=["notes-service"],
        )
        claims = await verifier.verify(header.removeprefix("Bearer "))
        assert claims.subject == "auth-service-outbox"
        assert claims.scopes == frozenset({"notes:purge"})

    async def test_one_token_for_many_deliveries(
        self, committed_db: Sessions, dispatcher: OutboxDispatcher, notes_mock: respx.Route
    ) -> None:
        await deleted_users(committed_db, 2)
        notes_mock.side_effect = lambda request: purged()
        await dispatcher.run_once()
        await deleted_users(committed_db, 2)
        await dispatcher.run_once()
        headers = {call.request.headers["Authorization"] for call in notes_mock.calls}
        assert (notes_mock.call_count, len(headers)) == (4, 1)

    async def test_retries_with_backoff_until_acknowledged(
        self, committed_db: Sessions, dispatcher: OutboxDispatcher, notes_mock: respx.Route
    ) -> None:
        (user_id,) = await deleted_users(committed_db, 1)
        notes_mock.side_effect = [
            httpx.Response(503, json={"detail": "Service unavailable"}),
            httpx.ConnectError("connection refused"),
            httpx.ReadTimeout("frozen"),
            purged(2),
        ]
        # base 10 s: the n-th failure waits between 5·2^(n-1) and 10·2^(n-1) s.
        for attempt, error in enumerate(["503", "unreachable", "timed out"], start=1):
            assert await dispatcher.run_once() == 1
            ((state),) = await events(committed_db)
            assert (state.attempts, state.delivered) == (attempt, False)
            assert state.last_error is not None
            assert error in state.last_error
            ceiling = 10 * 2 ** (attempt - 1)
            assert ceiling / 2 - 1 < state.due_in <= ceiling
            assert await dispatcher.run_once() == 0  # not due yet: no call
            await make_due(committed_db)
        assert await dispatcher.run_once() == 1
        ((state),) = await events(committed_db)
        assert (state.attempts, state.delivered, state.last_error) == (4, True, None)
        assert notes_mock.call_count == 4
        assert {purged_user(call.request) for call in notes_mock.calls} == {str(user_id)}

    async def test_crash_between_delivery_and_marking(
        self,
        committed_db: Sessions,
        dispatcher: OutboxDispatcher,
        notes_mock: respx.Route,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Delivered but not marked: delivered again after the lease, which the
        idempotent purge answers harmlessly (`{"deleted": 0}`)."""
        (user_id,) = await deleted_users(committed_db, 1)
        notes_mock.side_effect = [purged(2), purged(0)]

        async def crash(session: AsyncSession, *, event_id: int) -> None:
            raise RuntimeError("killed before marking")

        monkeypatch.setattr(outbox, "mark_delivered", crash)
        assert await dispatcher.run_once() == 1  # logged, and the batch's others unharmed
        monkeypatch.undo()
        assert notes_mock.call_count == 1  # delivered, not marked

        # The lease hides the event until it runs out; then it is delivered again.
        assert await dispatcher.run_once() == 0
        await make_due(committed_db)
        assert await dispatcher.run_once() == 1
        assert [purged_user(call.request) for call in notes_mock.calls] == [str(user_id)] * 2
        ((state),) = await events(committed_db)
        assert (state.attempts, state.delivered) == (2, True)
        # Marked: never claimed again, even when due.
        await make_due(committed_db)
        assert await dispatcher.run_once() == 0
        assert notes_mock.call_count == 2

    async def test_unexpected_answer_is_a_failure(
        self, committed_db: Sessions, dispatcher: OutboxDispatcher, notes_mock: respx.Route
    ) -> None:
        await deleted_users(committed_db, 1)
        notes_mock.side_effect = [httpx.Response(200, json={"removed": 1})]
        await dispatcher.run_once()
        ((state),) = await events(committed_db)
        assert not state.delivered
        assert state.last_error is not None
        assert "unexpected body" in state.last_error

    async def test_unknown_kind_parked_not_fatal(
        self, committed_db: Sessions, dispatcher: OutboxDispatcher, notes_mock: respx.Route
    ) -> None:
        async with committed_db() as session:
            session.add(OutboxEvent(kind="user.renamed", payload={}))
            await session.commit()
        (user_id,) = await deleted_users(committed_db, 1)
        notes_mock.side_effect = lambda request: purged()
        assert await dispatcher.run_once() == 2
        states = await events(committed_db)
        assert [(s.delivered, s.failed) for s in states] == [(False, True), (True, False)]
        assert "unknown event kind" in (states[0].last_error or "")
        assert [purged_user(call.request) for call in notes_mock.calls] == [str(user_id)]
        # Parked: never claimed again.
        await make_due(committed_db)
        assert await dispatcher.run_once() == 0

    async def test_batches(
        self,
        committed_db: Sessions,
        new_dispatcher: NewDispatcher,
        notes_mock: respx.Route,
    ) -> None:
        await deleted_users(committed_db, 5)
        notes_mock.side_effect = lambda request: purged()
        dispatcher = new_dispatcher(batch_size=2)
        assert [await dispatcher.run_once() for _ in range(4)] == [2, 2, 1, 0]


class TestConcurrentDispatchers:
    async def test_locked_rows_skipped(
        self, committed_db: Sessions, dispatcher: OutboxDispatcher, notes_mock: respx.Route
    ) -> None:
        """Another replica in the middle of its claim holds row locks: SKIP LOCKED passes them."""
        users = await deleted_users(committed_db, 6)
        notes_mock.side_effect = lambda request: purged()
        async with committed_db() as other_replica:
            locked = (
                await other_replica.scalars(
                    select(OutboxEvent.id).order_by(OutboxEvent.id).limit(3).with_for_update()
                )
            ).all()
            assert len(locked) == 3
            assert await asyncio.wait_for(dispatcher.run_once(), timeout=5) == 3
            await other_replica.rollback()
        first = [purged_user(call.request) for call in notes_mock.calls]
        assert sorted(first) == sorted(str(u) for u in users[3:])
        assert await dispatcher.run_once() == 3
        assert sorted(purged_user(call.request) for call in notes_mock.calls) == sorted(
            str(u) for u in users
        )

    async def test_each_event_delivered_once(
        self,
        committed_db: Sessions,
        new_dispatcher: NewDispatcher,
        notes_mock: respx.Route,
    ) -> None:
        users = await deleted_users(committed_db, 24)

        async def slow_purge(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0.005)
            return purged()

        notes_mock.side_effect = slow_purge
        replicas = [new_dispatcher(batch_size=4) for _ in "ab"]

        async def drain(dispatcher: OutboxDispatcher) -> int:
            total = 0
            while claimed := await dispatcher.run_once():
                total += claimed
            return total

        counts = await asyncio.gather(*(drain(replica) for replica in replicas))
        assert sum(counts) == 24
        delivered: list[Any] = [purged_user(call.request) for call in notes_mock.calls]
        assert sorted(delivered) == sorted(str(u) for u in users)  # none twice, none lost
        assert all(state.delivered for state in await events(committed_db))


class TestRunForever:
    async def test_polls_survives_errors_and_stops_on_cancel(
        self,
        committed_db: Sessions,
        new_dispatcher: NewDispatcher,
        notes_mock: respx.Route,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        dispatcher = new_dispatcher(poll_interval=0.01)
        delivered = asyncio.Event()

        def purge(request: httpx.Request) -> httpx.Response:
            delivered.set()
            return purged()

        notes_mock.side_effect = purge
        real_run_once = dispatcher.run_once
        failures = 0

        async def flaky_run_once() -> int:
            nonlocal failures
            if failures < 2:
                failures += 1
                raise OSError("database restarting")
            return await real_run_once()

        monkeypatch.setattr(dispatcher, "run_once", flaky_run_once)
        task = asyncio.create_task(dispatcher.run_forever())
        await deleted_users(committed_db, 1)
        await asyncio.wait_for(delivered.wait(), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert failures == 2


class TestLifespan:
    async def test_dispatcher_started_and_stopped(self, settings: Settings) -> None:
        enabled = settings.model_copy(
            update={"outbox_enabled": True, "first_superuser_email": None}
        )
        app = create_app(enabled)

        def dispatchers() -> list[asyncio.Task[Any]]:
            return [t for t in asyncio.all_tasks() if t.get_name() == "outbox-dispatcher"]

        with respx.mock(assert_all_called=False) as mock:
            mock.route(host="127.0.0.1", port=8002).respond(503)
            async with app.router.lifespan_context(app):
                (task,) = dispatchers()
                await asyncio.sleep(0.05)
                assert not task.done()
        assert task.cancelled()
        assert dispatchers() == []

    def test_defaults(self) -> None:
        fields = Settings.model_fields
        defaults = {name: fields[name].default for name in fields}
        assert defaults["notes_url"] == "http://127.0.0.1:8002"
        assert defaults["outbox_enabled"] is True
        assert defaults["outbox_poll_interval_seconds"] == 1.0
        assert defaults["outbox_backoff_cap_seconds"] == 30.0

    def test_lease_must_outlast_a_call(self) -> None:
        with pytest.raises(ValueError, match="outbox_lease_seconds"):
            Settings(notes_timeout_seconds=10, outbox_lease_seconds=5)
