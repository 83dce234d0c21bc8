"""The publisher against webhooks-service and auth-service as their committed
OpenAPI documents describe them (respx mocks made through Contract, each
request body checked against webhooks-service's document too), on outbox rows
committed for real (`outbox_database`)."""

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from notes_service import service
from notes_service.events import wire_data
from notes_service.models import OutboxEvent
from notes_service.publisher import Publisher
from notes_service.repository import Database
from notes_service.schemas import NoteWrite
from notes_service.webhooks_client import EVENTS_PATH, WebhooksClient
from platform_common import telemetry
from platform_common.backoff import Backoff
from platform_common.outbox_pacing import OutboxPacing
from platform_common.replicas import internal_client
from platform_common.service_token import GRANT_PATH, ServiceToken
from platform_common.testing.clock import ManualClock
from platform_common.testing.contract import Contract

WEBHOOKS = Contract("webhooks-service", "http://webhooks.test")
AUTH = Contract("auth-service", "http://auth.test")
CLIENT_ID, SECRET = "notes-service", "client-secret-for-tests"
TRACEPARENTS = [f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01" for _ in range(2)]


class Services:
    """The mocked auth-service token endpoint and webhooks-service ingest, with what they got."""

    def __init__(self, mock: respx.MockRouter) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.headers: list[httpx.Headers] = []
        self.answers: list[httpx.Response] = []  # next answers of the ingest; then 200
        self.tokens_issued = 0
        self.token_lifetime = 300
        self.token_route = AUTH.route_template(mock, "POST", GRANT_PATH)
        self.token_route.side_effect = self._token
        self.ingest = WEBHOOKS.route_template(mock, "POST", EVENTS_PATH)
        self.ingest.side_effect = self._ingest

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.tokens_issued += 1
        form = dict(httpx.QueryParams(request.content.decode()))
        assert form == {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "scope": "webhooks:publish",
        }
        return AUTH.response(
            "POST",
            GRANT_PATH,
            status=200,
            json={
                "access_token": f"token-{self.tokens_issued}",
                "token_type": "bearer",
                "expires_in": self.token_lifetime,
                "scope": "webhooks:publish",
            },
        )

    def _ingest(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        WEBHOOKS.validate_request("POST", EVENTS_PATH, body)
        self.batches.append(body["events"])
        self.headers.append(request.headers)
        if self.answers:
            return self.answers.pop(0)
        ingested = len(body["events"])
        return WEBHOOKS.response(
            "POST", EVENTS_PATH, status=200, json={"accepted": ingested, "duplicates": 0}
        )

    def sent_ids(self) -> list[str]:
        return [event["id"] for batch in self.batches for event in batch]


@pytest.fixture
def services() -> Iterator[Services]:
    with respx.mock(assert_all_called=False) as mock:
        yield Services(mock)


class Stage:
    """Committed outbox rows of one owner, the mocked services, and publishers
    on the outbox pool, each with its own clients (as replicas have)."""

    def __init__(self, engine: AsyncEngine, db: Database, services: Services, owner: uuid.UUID):
        self.engine = engine
        self.db = db
        self.services = services
        self.owner = owner
        self.clock = ManualClock(1000.0)
        self.clients: list[httpx.AsyncClient] = []

    def publisher(
        self, *, batch_size: int = 100, lease: float = 30.0, poll_interval: float = 1.0
    ) -> Publisher:
        auth = internal_client(AUTH.base_url, timeout=5)
        webhooks = internal_client(WEBHOOKS.base_url, timeout=5)
        self.clients.extend([auth, webhooks])
        token = ServiceToken(
            auth,
            client_id=CLIENT_ID,
            client_secret=SecretStr(SECRET),
            scope="webhooks:publish",
            clock=self.clock,
        )
        return Publisher(
            self.db,
            WebhooksClient(webhooks, token=token),
            pacing=OutboxPacing(
                backoff=Backoff(base_seconds=2.0, cap_seconds=60.0, rng=random.Random(7)),
                batch_size=batch_size,
                poll_interval=poll_interval,
                lease=timedelta(seconds=lease),
            ),
        )

    async def changes(self, notes: int) -> list[int]:
        """`notes` notes created, each then changed once: two events each."""
        ids = []
        for k in range(notes):
            row = await service.create_note(
                self.db, owner_id=self.owner, data=NoteWrite(title=f"note {k}", description="xyz")
            )
            await service.update_note(
                self.db, owner_id=self.owner, note_id=row["id"], changes={"title": f"changed {k}"}
            )
            ids.append(row["id"])
        return ids

    async def outbox(self) -> list[OutboxEvent]:
        async with async_sessionmaker(self.engine)() as session:
            query = select(OutboxEvent).order_by(OutboxEvent.occurred_at)
            return list(await session.scalars(query))

    async def time_passes(self) -> None:
        """Every event due again."""
        async with self.engine.begin() as connection:
            await connection.execute(
                update(OutboxEvent).values(next_attempt_at=OutboxEvent.occurred_at)
            )


@pytest.fixture
async def stage(
    engine: AsyncEngine, outbox_database: Database, services: Services, owner: uuid.UUID
) -> AsyncIterator[Stage]:
    stage = Stage(engine, outbox_database, services, owner)
    yield stage
    for client in stage.clients:
        await client.aclose()


async def test_events_are_sent_with_a_service_token_then_deleted(stage: Stage) -> None:
    [note_id] = await stage.changes(1)
    stored = await stage.outbox()

    assert await stage.publisher().run_once() == (2, 0.0)

    [batch] = stage.services.batches
    assert stage.services.headers[0]["Authorization"] == "Bearer token-1"
    assert [(e["type"], e["sequence"]) for e in batch] == [
        ("note.created", 1),
        ("note.updated", 2),
    ]
    assert batch[1] == {
        "id": str(stored[1].id),
        "type": "note.updated",
        "owner_id": str(stage.owner),
        "note_id": note_id,
        "sequence": 2,
        "occurred_at": stored[1].occurred_at.isoformat(),
        "data": wire_data(stored[1].type, stored[1].data),
        "traceparent": None,
    }
    assert await stage.outbox() == []


async def test_nothing_is_deleted_until_webhooks_service_answers_200(stage: Stage) -> None:
    await stage.changes(1)
    publisher = stage.publisher()
    stage.services.answers = [httpx.Response(503, json={"detail": "Service Unavailable"})]

    claimed, pause = await publisher.run_once()

    assert claimed == 2
    # Backoff(2 s): the first failure pauses 1 to 2 s, and the events wait as long.
    assert 1.0 <= pause <= 2.0
    waiting = await stage.outbox()
    assert [(e.attempts, (e.last_error or "")[:31]) for e in waiting] == [
        (1, "webhooks-service answered 503: ")
    ] * 2
    assert all(e.next_attempt_at > e.occurred_at + timedelta(seconds=0.9) for e in waiting)
    assert await publisher.run_once() == (0, 0.0)  # not due yet: nothing claimed, nothing sent
    assert len(stage.services.batches) == 1

    await stage.time_passes()
    assert await publisher.run_once() == (2, 0.0)
    assert stage.services.sent_ids() == [str(e.id) for e in waiting] * 2  # the same events again
    assert await stage.outbox() == []


async def test_a_connection_refused_or_a_timeout_is_retried_later(stage: Stage) -> None:
    await stage.changes(1)
    publisher = stage.publisher()
    stage.services.ingest.side_effect = httpx.ConnectError("refused")
    assert (await publisher.run_once())[1] > 0
    stage.services.ingest.side_effect = httpx.ReadTimeout("slow")
    await stage.time_passes()
    assert (await publisher.run_once())[1] > 0

    errors = {(e.attempts, (e.last_error or "").split(":")[0]) for e in await stage.outbox()}
    assert errors == {(2, "webhooks-service timed out")}


async def test_the_token_is_kept_until_near_its_expiry(stage: Stage) -> None:
    publisher = stage.publisher()
    for _ in range(2):
        await stage.changes(1)
        await publisher.run_once()
    assert stage.services.tokens_issued == 1

    stage.clock.now += 300 - 60  # a minute before its expiry: renewed
    await stage.changes(1)
    await publisher.run_once()
    assert stage.services.tokens_issued == 2
    assert [h["Authorization"] for h in stage.services.headers] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]


async def test_a_refused_token_is_replaced_at_the_next_try(stage: Stage) -> None:
    await stage.changes(1)
    publisher = stage.publisher()
    stage.services.answers = [
        WEBHOOKS.response(
            "POST",
            EVENTS_PATH,
            status=401,
            json={"detail": "Invalid token"},
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    ]
    await publisher.run_once()
    await stage.time_passes()
    await publisher.run_once()

    assert [h["Authorization"] for h in stage.services.headers] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert await stage.outbox() == []


async def test_no_token_no_call_and_the_events_wait(stage: Stage) -> None:
    await stage.changes(1)
    stage.services.token_route.side_effect = [
        AUTH.response(
            "POST",
            GRANT_PATH,
            status=401,
            json={"error": "invalid_client", "error_description": "Client authentication failed"},
        )
    ]
    claimed, pause = await stage.publisher().run_once()
    assert (claimed, pause > 0, stage.services.batches) == (2, True, [])
    assert {e.last_error.split(":")[0] for e in await stage.outbox() if e.last_error} == {
        "no service token"
    }


async def test_batches_are_bounded(stage: Stage) -> None:
    await stage.changes(5)
    publisher = stage.publisher(batch_size=4)
    assert [(await publisher.run_once())[0] for _ in range(4)] == [4, 4, 2, 0]
    assert [len(batch) for batch in stage.services.batches] == [4, 4, 2]
    assert await stage.outbox() == []


async def test_one_call_carries_the_batch_each_event_with_its_own_trace(
    stage: Stage,
) -> None:
    # Requests with and without a traceparent, as the outbox records them.
    contexts = [*TRACEPARENTS, None, TRACEPARENTS[0]]
    for traceparent in contexts:
        parent = telemetry.trace_context(traceparent, None)
        with telemetry.continued_span("request", parent):
            await service.create_note(
                stage.db, owner_id=stage.owner, data=NoteWrite(title="traced", description="xyz")
            )

    await stage.publisher().run_once()

    [batch] = stage.services.batches
    assert [event["traceparent"] for event in batch] == contexts


async def test_two_publishers_share_the_work_without_sending_twice(stage: Stage) -> None:
    await stage.changes(20)
    stored = {str(e.id) for e in await stage.outbox()}
    publishers = [stage.publisher(batch_size=5), stage.publisher(batch_size=5)]

    async def drain(publisher: Publisher) -> int:
        sent = 0
        while (claimed := (await publisher.run_once())[0]) > 0:
            sent += claimed
        return sent

    shares = await asyncio.gather(*(drain(p) for p in publishers))

    assert sorted(stage.services.sent_ids()) == sorted(
        stored
    )  # each once: no duplicates, none lost
    assert sum(shares) == 40
    assert await stage.outbox() == []


async def test_a_publisher_that_died_mid_call_is_relieved_after_its_lease(stage: Stage) -> None:
    await stage.changes(1)
    dying = stage.publisher(lease=0.5)
    in_flight, never = asyncio.Event(), asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        in_flight.set()
        await never.wait()
        raise AssertionError("never answered")

    stage.services.ingest.side_effect = hang
    task = asyncio.create_task(dying.run_once())
    await asyncio.wait_for(in_flight.wait(), timeout=10)
    task.cancel()  # the process is gone: its claim stays, unacknowledged
    with pytest.raises(asyncio.CancelledError):
        await task

    stage.services.ingest.side_effect = stage.services._ingest
    survivor = stage.publisher()
    assert (await survivor.run_once())[0] == 0  # still leased
    await asyncio.sleep(0.6)
    assert (await survivor.run_once())[0] == 2
    assert await stage.outbox() == []


async def test_the_backlog_is_measured(stage: Stage) -> None:
    await stage.changes(3)
    await asyncio.sleep(0.05)
    await stage.publisher().measure()
    assert REGISTRY.get_sample_value("notes_outbox_events_pending") == 6
    assert (REGISTRY.get_sample_value("notes_outbox_oldest_pending_age_seconds") or 0) >= 0.05


async def test_a_commit_of_this_process_wakes_the_publisher_at_once(stage: Stage) -> None:
    """Running for good with an hour between polls, it still sends each change
    as soon as its transaction commits (Database.events_committed)."""
    publisher = stage.publisher(poll_interval=3600)
    running = asyncio.create_task(publisher.run_forever())
    try:
        for round_ in range(1, 3):
            await stage.changes(1)
            async with asyncio.timeout(10):  # a bound against a hang, not a timing assertion
                # Sent, then deleted once the 200 is in: wait for both.
                while len(stage.services.sent_ids()) < 2 * round_ or await stage.outbox():  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert await stage.outbox() == []
