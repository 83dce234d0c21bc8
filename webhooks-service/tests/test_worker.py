import asyncio
import contextlib
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook
from starlette.responses import Response

from platform_common.replicas import internal_client
from platform_common.service_token import GRANT_PATH, ServiceToken
from platform_common.testing.contract import Contract
from tests.receiver import Receiver, running_receiver
from webhooks_service.addresses import AddressPolicy, system_resolver
from webhooks_service.ingest import ingest_events
from webhooks_service.models import Attempt, Delivery, Endpoint
from webhooks_service.notices import NOTICES_PATH, NOTICES_SCOPE, NoticesClient, OwnerNotifier
from webhooks_service.retries import RetrySchedule
from webhooks_service.schemas import IncomingEvent
from webhooks_service.secrets import new_secret
from webhooks_service.sender import MAX_ANSWER_BYTES, Sender
from webhooks_service.worker import DeliveryWorker

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def a_note() -> int:
    """A note id (notes-service's ids are positive bigints)."""
    return secrets.randbelow(2**62) + 1


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions that really commit (the workers' own transactions); emptied after."""
    yield async_sessionmaker(engine, expire_on_commit=False)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE webhooks.endpoints, webhooks.events CASCADE"))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as receiver:
        yield receiver


class Workers:
    """Makes workers on the test database; their HTTP clients closed after the test."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.senders: list[Sender] = []

    def __call__(
        self,
        *,
        addresses: AddressPolicy | None = None,
        schedule: tuple[float, ...] = (0, 0, 0),
        lease_seconds: float = 30,
    ) -> DeliveryWorker:
        sender = Sender(addresses or AddressPolicy(allowed_hosts=["127.0.0.1"]), timeout=5)
        self.senders.append(sender)
        return DeliveryWorker(
            self.sessionmaker,
            sender,
            RetrySchedule(schedule),
            concurrency=8,
            poll_interval=0.05,
            lease_seconds=lease_seconds,
            disable_after=timedelta(days=5),
            wake=asyncio.Event(),
        )


@pytest.fixture
async def make_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Workers]:
    workers = Workers(sessionmaker)
    yield workers
    for sender in workers.senders:
        await sender.aclose()


async def add_endpoint(
    sessionmaker: async_sessionmaker[AsyncSession], url: str, **fields: Any
) -> Endpoint:
    async with sessionmaker() as session:
        endpoint = Endpoint(
            id=uuid.uuid4(),
            owner_id=fields.pop("owner_id", uuid.uuid4()),
            url=url,
            event_types=["note.created", "note.updated", "note.deleted"],
            secret=new_secret(),
            **fields,
        )
        session.add(endpoint)
        await session.commit()
        return endpoint


async def publish(
    sessionmaker: async_sessionmaker[AsyncSession],
    owner: uuid.UUID,
    note: int,
    *sequences: int,
) -> None:
    events = [
        IncomingEvent(
            id=uuid.uuid4(),
            type="note.created" if sequence == 1 else "note.updated",
            owner_id=owner,
            note_id=note,
            sequence=sequence,
            occurred_at=datetime.now(UTC),
            data={"id": 1, "title": f"v{sequence}", "description": "abc"},
        )
        for sequence in sequences
    ]
    async with sessionmaker() as session:
        await ingest_events(session, events=events, traceparent=TRACEPARENT)


async def attempts(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Attempt]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Attempt).order_by(Attempt.id)))


async def only_delivery(sessionmaker: async_sessionmaker[AsyncSession]) -> Delivery:
    async with sessionmaker() as session:
        return (await session.scalars(select(Delivery))).one()


@dataclass
class Deliveries:
    """A live receiver, workers, and the committed database they work on."""

    sessionmaker: async_sessionmaker[AsyncSession]
    receiver: Receiver
    worker: Workers

    async def endpoint(self, url: str | None = None, **fields: Any) -> Endpoint:
        """An endpoint (at the receiver unless `url`)."""
        return await add_endpoint(self.sessionmaker, url or self.receiver.url, **fields)

    async def publish(self, endpoint: Endpoint, note: int, *sequences: int) -> None:
        await publish(self.sessionmaker, endpoint.owner_id, note, *sequences)

    async def endpoint_with_note(self, *sequences: int, **fields: Any) -> Endpoint:
        """An endpoint at the receiver, and a new note's events `sequences` published."""
        endpoint = await self.endpoint(**fields)
        await self.publish(endpoint, a_note(), *sequences)
        return endpoint

    async def attempts(self) -> list[Attempt]:
        return await attempts(self.sessionmaker)

    async def only_delivery(self) -> Delivery:
        return await only_delivery(self.sessionmaker)

    async def stored(self, endpoint: Endpoint) -> Endpoint:
        async with self.sessionmaker() as session:
            stored = await session.get(Endpoint, endpoint.id)
            assert stored is not None
            return stored


@pytest.fixture
def deliveries(
    sessionmaker: async_sessionmaker[AsyncSession], receiver: Receiver, make_worker: Workers
) -> Deliveries:
    return Deliveries(sessionmaker, receiver, make_worker)


class TestDeliver:
    async def test_signed_standard_webhooks_request(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint()
        note = a_note()
        await deliveries.publish(endpoint, note, 1)
        worker = deliveries.worker()
        assert await worker.run_once() == 1
        [request] = deliveries.receiver.requests
        payload = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert payload["type"] == "note.created"
        assert payload["data"] == {"id": 1, "title": "v1", "description": "abc", "sequence": 1}
        assert datetime.fromisoformat(payload["timestamp"]).tzinfo is not None
        delivery = await deliveries.only_delivery()
        assert request.headers["webhook-id"] == f"msg_{delivery.id.hex}"
        assert request.headers["traceparent"] == TRACEPARENT
        assert delivery.state == "delivered"
        [attempt] = await deliveries.attempts()
        assert (attempt.outcome, attempt.status_code, attempt.response_excerpt) == (
            "delivered",
            200,
            "ok",
        )

    async def test_a_rotated_secret_signs_with_both_during_the_overlap(
        self, deliveries: Deliveries
    ) -> None:
        old = new_secret()
        endpoint = await deliveries.endpoint_with_note(
            1,
            previous_secret=old,
            previous_secret_expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        await deliveries.worker().run_once()
        [request] = deliveries.receiver.requests
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        for secret in (endpoint.secret, old):
            Webhook(secret).verify(request.body, request.headers)

    async def test_an_expired_previous_secret_no_longer_signs(self, deliveries: Deliveries) -> None:
        await deliveries.endpoint_with_note(
            1,
            previous_secret=new_secret(),
            previous_secret_expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )
        await deliveries.worker().run_once()
        assert len(deliveries.receiver.requests[0].headers["webhook-signature"].split(" ")) == 1

    async def test_a_notes_changes_arrive_in_order_across_a_retry(
        self, deliveries: Deliveries
    ) -> None:
        endpoint = await deliveries.endpoint()
        note = a_note()
        await deliveries.publish(endpoint, note, 1, 2, 3)
        deliveries.receiver.answers = [Response(status_code=500)]
        worker = deliveries.worker()
        # The first fails; the later two wait behind it.
        assert await worker.run_once() == 1
        while await worker.run_once():
            pass
        sequences = [json.loads(r.body)["data"]["sequence"] for r in deliveries.receiver.requests]
        assert sequences == [1, 1, 2, 3]

    async def test_different_notes_go_in_parallel(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint()
        for _ in range(3):
            await deliveries.publish(endpoint, a_note(), 1)
        assert await deliveries.worker().run_once() == 3

    async def test_410_disables_the_endpoint(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint_with_note(1, 2)
        deliveries.receiver.answers = [Response(status_code=410)]
        worker = deliveries.worker()
        await worker.run_once()
        assert await worker.run_once() == 0
        stored = await deliveries.stored(endpoint)
        assert (stored.enabled, stored.disabled_reason) == (False, "gone")
        assert len(deliveries.receiver.requests) == 1

    async def test_failing_for_five_days_disables_the_endpoint(
        self, deliveries: Deliveries
    ) -> None:
        endpoint = await deliveries.endpoint_with_note(
            1, failing_since=datetime.now(UTC) - timedelta(days=5, seconds=1)
        )
        deliveries.receiver.answers = [Response(status_code=500)]
        await deliveries.worker().run_once()
        stored = await deliveries.stored(endpoint)
        assert (stored.enabled, stored.disabled_reason) == (False, "failing")

    async def test_a_success_ends_the_failing_streak(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint_with_note(
            1, failing_since=datetime.now(UTC) - timedelta(days=1)
        )
        await deliveries.worker().run_once()
        stored = await deliveries.stored(endpoint)
        assert (stored.enabled, stored.failing_since) == (True, None)

    async def test_retry_after_is_honoured(self, deliveries: Deliveries) -> None:
        await deliveries.endpoint_with_note(1)
        deliveries.receiver.answers = [Response(status_code=503, headers={"Retry-After": "120"})]
        before = datetime.now(UTC)
        await deliveries.worker().run_once()
        delivery = await deliveries.only_delivery()
        assert delivery.state == "pending"
        assert delivery.next_attempt_at >= before + timedelta(seconds=119)

    async def test_the_schedule_spent_the_delivery_fails(self, deliveries: Deliveries) -> None:
        await deliveries.endpoint_with_note(1)
        deliveries.receiver.answers = [Response(status_code=500) for _ in range(3)]
        worker = deliveries.worker(schedule=(0, 0))
        while await worker.run_once():
            pass
        assert (await deliveries.only_delivery()).state == "failed"
        assert [a.status_code for a in await deliveries.attempts()] == [500, 500, 500]

    async def test_a_redirect_is_not_followed(self, deliveries: Deliveries) -> None:
        await deliveries.endpoint_with_note(1)
        target = "http://169.254.169.254/latest/meta-data/"
        deliveries.receiver.answers = [Response(status_code=307, headers={"Location": target})]
        await deliveries.worker(schedule=(3600,)).run_once()
        assert len(deliveries.receiver.requests) == 1
        [attempt] = await deliveries.attempts()
        assert (attempt.outcome, attempt.status_code) == ("redirect", 307)
        assert (await deliveries.only_delivery()).state == "pending"

    async def test_at_most_64_kib_of_the_answer_read(self, deliveries: Deliveries) -> None:
        await deliveries.endpoint_with_note(1)
        deliveries.receiver.answers = [Response(b"x" * (4 * MAX_ANSWER_BYTES))]
        await deliveries.worker().run_once()
        [attempt] = await deliveries.attempts()
        assert attempt.outcome == "delivered"
        assert attempt.response_excerpt == "x" * 1024

    async def test_an_unreachable_receiver_is_retried(
        self, sessionmaker: async_sessionmaker[AsyncSession], make_worker: Workers
    ) -> None:
        endpoint = await add_endpoint(sessionmaker, "http://127.0.0.1:9/hook")
        await publish(sessionmaker, endpoint.owner_id, a_note(), 1)
        await make_worker(schedule=(3600,)).run_once()
        [attempt] = await attempts(sessionmaker)
        assert attempt.outcome == "connection_error"
        assert (await only_delivery(sessionmaker)).state == "pending"


class TestAddressesAtDelivery:
    async def test_a_name_now_resolving_to_loopback_is_refused(
        self, deliveries: Deliveries
    ) -> None:
        async def rebound(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        endpoint = await deliveries.endpoint(
            f"http://hooks.example.com:{deliveries.receiver.port}/"
        )
        await deliveries.publish(endpoint, a_note(), 1)
        worker = deliveries.worker(addresses=AddressPolicy(resolver=rebound))
        await worker.run_once()
        assert deliveries.receiver.requests == []
        [attempt] = await deliveries.attempts()
        assert attempt.outcome == "refused_address"

    async def test_the_connection_goes_to_the_checked_address_under_the_name(
        self, deliveries: Deliveries
    ) -> None:
        """receiver.test is in no DNS: only the pinned address can have reached the receiver."""

        async def resolver(host: str, port: int) -> list[str]:
            return ["127.0.0.1"] if host == "receiver.test" else await system_resolver(host, port)

        url = f"http://receiver.test:{deliveries.receiver.port}/hook"
        endpoint = await deliveries.endpoint(url)
        await deliveries.publish(endpoint, a_note(), 1)
        policy = AddressPolicy(allowed_hosts=["receiver.test"], resolver=resolver)
        await deliveries.worker(addresses=policy).run_once()
        [request] = deliveries.receiver.requests
        assert request.headers["host"] == f"receiver.test:{deliveries.receiver.port}"


class TestLease:
    async def test_a_delivery_claimed_by_a_dead_worker_is_sent_after_the_lease(
        self, deliveries: Deliveries
    ) -> None:
        await deliveries.endpoint_with_note(1)
        dead = deliveries.worker(lease_seconds=0.5)
        assert len(await dead.claim(8)) == 1  # and never sends it
        alive = deliveries.worker()
        assert await alive.run_once() == 0
        await asyncio.sleep(0.6)
        assert await alive.run_once() == 1
        assert len(deliveries.receiver.requests) == 1
        assert (await deliveries.only_delivery()).state == "delivered"

    async def test_two_workers_never_claim_the_same_delivery(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint()
        for _ in range(20):
            await deliveries.publish(endpoint, a_note(), 1)
        first, second = deliveries.worker(), deliveries.worker()
        claims = await asyncio.gather(first.claim(15), second.claim(15))
        ids = [job.delivery_id for jobs in claims for job in jobs]
        assert len(ids) == len(set(ids)) == 20


class TestTidy:
    async def test_old_finished_deliveries_and_their_events_go_pending_ones_stay(
        self, deliveries: Deliveries
    ) -> None:
        endpoint = await deliveries.endpoint_with_note(1)
        worker = deliveries.worker()
        await worker.run_once()
        await deliveries.publish(endpoint, a_note(), 1)  # stays pending
        async with deliveries.sessionmaker() as session:
            await session.execute(
                text(
                    "UPDATE webhooks.deliveries SET finished_at = now() - interval '31 days'"
                    " WHERE state = 'delivered'"
                )
            )
            await session.execute(
                text("UPDATE webhooks.events SET received_at = now() - interval '31 days'")
            )
            await session.commit()
        await worker.tidy(timedelta(days=30))
        async with deliveries.sessionmaker() as session:
            states = list(await session.scalars(select(Delivery.state)))
            events = await session.scalar(text("SELECT count(*) FROM webhooks.events"))
        assert (states, events) == (["pending"], 1)
        assert await deliveries.attempts() == []


class TestRunForever:
    async def test_delivers_what_is_published(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint()
        worker = deliveries.worker()
        task = asyncio.create_task(worker.run_forever())
        try:
            await deliveries.publish(endpoint, a_note(), 1, 2)
            async with asyncio.timeout(10):
                while len(deliveries.receiver.requests) < 2:  # noqa: ASYNC110 (another task's work)
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await worker.count_pending()


AUTH = Contract("auth-service", "http://auth.test")
NOTICES_SECRET = "notices-secret-for-tests"


class AuthService:
    """auth-service's token grant and notices route (respx, checked against its
    committed document), with the notices it got; `answers` go first, then 202."""

    def __init__(self, mock: respx.MockRouter) -> None:
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[httpx.Response | Exception] = []
        AUTH.route_template(mock, "POST", GRANT_PATH).side_effect = self._token
        AUTH.route_template(mock, "POST", NOTICES_PATH).side_effect = self._notice

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        assert form["scope"] == "notices:send"
        assert form["client_secret"] == NOTICES_SECRET
        body = {
            "access_token": "t",
            "token_type": "bearer",
            "expires_in": 300,
            "scope": "notices:send",
        }
        return AUTH.response("POST", GRANT_PATH, status=200, json=body)

    def _notice(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer t"
        body = json.loads(request.content)
        AUTH.validate_request("POST", NOTICES_PATH, body)
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self.notices.append((request.url.path, body))
        return AUTH.response("POST", NOTICES_PATH, status=202, json={"detail": "Notice queued"})


@contextlib.asynccontextmanager
async def notifier_for(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[tuple[OwnerNotifier, AuthService]]:
    """A notifier, and auth-service mocked (every other HTTP call is refused meanwhile)."""
    async with internal_client(AUTH.base_url, timeout=5) as http:
        token = ServiceToken(
            http,
            client_id="webhooks-service",
            client_secret=SecretStr(NOTICES_SECRET),
            scope=NOTICES_SCOPE,
        )
        notifier = OwnerNotifier(
            sessionmaker, NoticesClient(http, token=token), disable_after=timedelta(days=5)
        )
        with respx.mock(assert_all_called=False) as mock:
            yield notifier, AuthService(mock)


async def pending(sessionmaker: async_sessionmaker[AsyncSession], endpoint: Endpoint) -> bool:
    async with sessionmaker() as session:
        stored = await session.get(Endpoint, endpoint.id)
        assert stored is not None
        return stored.notify_pending


async def disabled_endpoint(
    sessionmaker: async_sessionmaker[AsyncSession], reason: str
) -> Endpoint:
    """An endpoint the service disabled, its owner not yet told."""
    return await add_endpoint(
        sessionmaker,
        "https://gone.example/hook",
        enabled=False,
        disabled_reason=reason,
        notify_pending=True,
    )


@dataclass
class Notices:
    """The owners' notifier, auth-service mocked, and the database they work on."""

    owners: OwnerNotifier
    auth: AuthService
    sessionmaker: async_sessionmaker[AsyncSession]

    async def disabled(self, reason: str) -> Endpoint:
        return await disabled_endpoint(self.sessionmaker, reason)

    async def pending(self, endpoint: Endpoint) -> bool:
        return await pending(self.sessionmaker, endpoint)


@pytest.fixture
async def notices(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Notices]:
    async with notifier_for(sessionmaker) as (owners, auth):
        yield Notices(owners, auth, sessionmaker)


class TestOwnerNotices:
    async def test_a_410_mails_the_owner_once(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint_with_note(1)
        deliveries.receiver.answers = [Response(status_code=410)]
        await deliveries.worker().run_once()  # real HTTP to the receiver, before respx mocks
        assert await pending(deliveries.sessionmaker, endpoint)
        async with notifier_for(deliveries.sessionmaker) as (owners, auth):
            assert await owners.run_once() == 1
            assert await owners.run_once() == 0
        [(path, body)] = auth.notices
        assert path == f"/internal/users/{endpoint.owner_id}/notices"
        assert deliveries.receiver.url in body["subject"]
        assert deliveries.receiver.url in body["text"]
        assert "410 Gone" in body["text"]
        assert not await pending(deliveries.sessionmaker, endpoint)

    async def test_failing_for_five_days_mails_the_owner(self, deliveries: Deliveries) -> None:
        endpoint = await deliveries.endpoint_with_note(
            1, failing_since=datetime.now(UTC) - timedelta(days=6)
        )
        deliveries.receiver.answers = [Response(status_code=500)]
        await deliveries.worker().run_once()
        async with notifier_for(deliveries.sessionmaker) as (owners, auth):
            assert await owners.run_once() == 1
        [(_, body)] = auth.notices
        assert "failed for 5 days" in body["text"]
        assert not await pending(deliveries.sessionmaker, endpoint)

    async def test_a_notice_survives_auth_service_refusing_or_away(self, notices: Notices) -> None:
        endpoint = await notices.disabled("gone")
        notices.auth.answers = [
            httpx.Response(503, json={"detail": "draining"}),
            httpx.ConnectError("refused"),
        ]
        assert await notices.owners.run_once() == 0
        assert await notices.pending(endpoint)
        assert await notices.owners.run_once() == 0
        assert await notices.pending(endpoint)
        assert await notices.owners.run_once() == 1
        assert len(notices.auth.notices) == 1
        assert not await notices.pending(endpoint)

    async def test_an_unknown_owner_ends_the_notice(self, notices: Notices) -> None:
        endpoint = await notices.disabled("gone")
        notices.auth.answers = [
            AUTH.response("POST", NOTICES_PATH, status=404, json={"detail": "User not found"})
        ]
        assert await notices.owners.run_once() == 1
        assert not await notices.pending(endpoint)

    async def test_a_round_is_bounded(self, notices: Notices) -> None:
        notices.owners.batch_size = 2
        for _ in range(3):
            await notices.disabled("failing")
        assert await notices.owners.run_once() == 2
        assert await notices.owners.run_once() == 1
        assert len(notices.auth.notices) == 3
