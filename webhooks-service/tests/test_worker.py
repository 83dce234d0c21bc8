import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook
from starlette.responses import Response

from platform_common.replicas import internal_client
from platform_common.service_token import GRANT_PATH, ServiceToken
from platform_common.testing.contract import Contract
from tests.workers import (
    TRACEPARENT,
    Rig,
    Workers,
    a_note,
    add_endpoint,
    attempts,
    only_delivery,
    publish,
)
from webhooks_service.addresses import AddressPolicy, system_resolver
from webhooks_service.models import Delivery, Endpoint
from webhooks_service.notices import NOTICES_PATH, NOTICES_SCOPE, NoticesClient, OwnerNotifier
from webhooks_service.secrets import new_secret
from webhooks_service.sender import MAX_ANSWER_BYTES


class TestDeliver:
    async def test_signed_standard_webhooks_request(self, rig: Rig) -> None:
        endpoint = await rig.published(1)
        worker = rig.make_worker()
        assert await worker.run_once() == 1
        [request] = rig.receiver.requests
        payload = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert payload["type"] == "note.created"
        assert payload["data"] == {"id": 1, "title": "v1", "description": "abc", "sequence": 1}
        assert datetime.fromisoformat(payload["timestamp"]).tzinfo is not None
        delivery = await only_delivery(rig.sessionmaker)
        assert request.headers["webhook-id"] == f"msg_{delivery.id.hex}"
        assert request.headers["traceparent"] == TRACEPARENT
        assert delivery.state == "delivered"
        [attempt] = await attempts(rig.sessionmaker)
        assert (attempt.outcome, attempt.status_code, attempt.response_excerpt) == (
            "delivered",
            200,
            "ok",
        )

    async def test_a_rotated_secret_signs_with_both_during_the_overlap(self, rig: Rig) -> None:
        old = new_secret()
        expires = datetime.now(UTC) + timedelta(hours=1)
        endpoint = await rig.published(1, previous_secret=old, previous_secret_expires_at=expires)
        await rig.make_worker().run_once()
        [request] = rig.receiver.requests
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        for secret in (endpoint.secret, old):
            Webhook(secret).verify(request.body, request.headers)

    async def test_an_expired_previous_secret_no_longer_signs(self, rig: Rig) -> None:
        await rig.published(
            1,
            previous_secret=new_secret(),
            previous_secret_expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )
        await rig.make_worker().run_once()
        assert len(rig.receiver.requests[0].headers["webhook-signature"].split(" ")) == 1

    async def test_a_notes_changes_arrive_in_order_across_a_retry(self, rig: Rig) -> None:
        await rig.published(1, 2, 3)
        rig.receiver.answers = [Response(status_code=500)]
        worker = rig.make_worker()
        # The first fails; the later two wait behind it.
        assert await worker.run_once() == 1
        while await worker.run_once():
            pass
        sequences = [json.loads(r.body)["data"]["sequence"] for r in rig.receiver.requests]
        assert sequences == [1, 1, 2, 3]

    async def test_different_notes_go_in_parallel(self, rig: Rig) -> None:
        endpoint = await rig.endpoint()
        for _ in range(3):
            await publish(rig.sessionmaker, endpoint.owner_id, a_note(), 1)
        assert await rig.make_worker().run_once() == 3

    async def test_410_disables_the_endpoint(self, rig: Rig) -> None:
        endpoint = await rig.published(1, 2)
        rig.receiver.answers = [Response(status_code=410)]
        worker = rig.make_worker()
        await worker.run_once()
        assert await worker.run_once() == 0
        stored = await rig.stored(endpoint)
        assert (stored.enabled, stored.disabled_reason) == (False, "gone")
        assert len(rig.receiver.requests) == 1

    async def test_failing_for_five_days_disables_the_endpoint(self, rig: Rig) -> None:
        endpoint = await rig.published(
            1, failing_since=datetime.now(UTC) - timedelta(days=5, seconds=1)
        )
        rig.receiver.answers = [Response(status_code=500)]
        await rig.make_worker().run_once()
        stored = await rig.stored(endpoint)
        assert (stored.enabled, stored.disabled_reason) == (False, "failing")

    async def test_a_success_ends_the_failing_streak(self, rig: Rig) -> None:
        endpoint = await rig.published(1, failing_since=datetime.now(UTC) - timedelta(days=1))
        await rig.make_worker().run_once()
        stored = await rig.stored(endpoint)
        assert (stored.enabled, stored.failing_since) == (True, None)

    async def test_retry_after_is_honoured(self, rig: Rig) -> None:
        await rig.published(1)
        rig.receiver.answers = [Response(status_code=503, headers={"Retry-After": "120"})]
        before = datetime.now(UTC)
        await rig.make_worker().run_once()
        delivery = await only_delivery(rig.sessionmaker)
        assert delivery.state == "pending"
        assert delivery.next_attempt_at >= before + timedelta(seconds=119)

    async def test_the_schedule_spent_the_delivery_fails(self, rig: Rig) -> None:
        await rig.published(1)
        rig.receiver.answers = [Response(status_code=500) for _ in range(3)]
        worker = rig.make_worker(schedule=(0, 0))
        while await worker.run_once():
            pass
        assert (await only_delivery(rig.sessionmaker)).state == "failed"
        assert [a.status_code for a in await attempts(rig.sessionmaker)] == [500, 500, 500]

    async def test_a_redirect_is_not_followed(self, rig: Rig) -> None:
        await rig.published(1)
        target = "http://169.254.169.254/latest/meta-data/"
        rig.receiver.answers = [Response(status_code=307, headers={"Location": target})]
        await rig.make_worker(schedule=(3600,)).run_once()
        assert len(rig.receiver.requests) == 1
        [attempt] = await attempts(rig.sessionmaker)
        assert (attempt.outcome, attempt.status_code) == ("redirect", 307)
        assert (await only_delivery(rig.sessionmaker)).state == "pending"

    async def test_at_most_64_kib_of_the_answer_read(self, rig: Rig) -> None:
        await rig.published(1)
        rig.receiver.answers = [Response(b"x" * (4 * MAX_ANSWER_BYTES))]
        await rig.make_worker().run_once()
        [attempt] = await attempts(rig.sessionmaker)
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
    async def test_a_name_now_resolving_to_loopback_is_refused(self, rig: Rig) -> None:
        async def rebound(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        url = f"http://hooks.example.com:{rig.receiver.port}/"
        endpoint = await add_endpoint(rig.sessionmaker, url)
        await publish(rig.sessionmaker, endpoint.owner_id, a_note(), 1)
        worker = rig.make_worker(addresses=AddressPolicy(resolver=rebound))
        await worker.run_once()
        assert rig.receiver.requests == []
        [attempt] = await attempts(rig.sessionmaker)
        assert attempt.outcome == "refused_address"

    async def test_the_connection_goes_to_the_checked_address_under_the_name(
        self, rig: Rig
    ) -> None:
        """receiver.test is in no DNS: only the pinned address can have reached the receiver."""

        async def resolver(host: str, port: int) -> list[str]:
            return ["127.0.0.1"] if host == "receiver.test" else await system_resolver(host, port)

        url = f"http://receiver.test:{rig.receiver.port}/hook"
        endpoint = await add_endpoint(rig.sessionmaker, url)
        await publish(rig.sessionmaker, endpoint.owner_id, a_note(), 1)
        policy = AddressPolicy(allowed_hosts=["receiver.test"], resolver=resolver)
        await rig.make_worker(addresses=policy).run_once()
        [request] = rig.receiver.requests
        assert request.headers["host"] == f"receiver.test:{rig.receiver.port}"


class TestLease:
    async def test_a_delivery_claimed_by_a_dead_worker_is_sent_after_the_lease(
        self, rig: Rig
    ) -> None:
        await rig.published(1)
        dead = rig.make_worker(lease_seconds=0.5)
        assert len(await dead.claim(8)) == 1  # and never sends it
        alive = rig.make_worker()
        assert await alive.run_once() == 0
        await asyncio.sleep(0.6)
        assert await alive.run_once() == 1
        assert len(rig.receiver.requests) == 1
        assert (await only_delivery(rig.sessionmaker)).state == "delivered"

    async def test_two_workers_never_claim_the_same_delivery(self, rig: Rig) -> None:
        endpoint = await rig.endpoint()
        for _ in range(20):
            await publish(rig.sessionmaker, endpoint.owner_id, a_note(), 1)
        first, second = rig.make_worker(), rig.make_worker()
        claims = await asyncio.gather(first.claim(15), second.claim(15))
        ids = [job.delivery_id for jobs in claims for job in jobs]
        assert len(ids) == len(set(ids)) == 20


class TestTidy:
    async def test_old_finished_deliveries_and_their_events_go_pending_ones_stay(
        self, rig: Rig
    ) -> None:
        endpoint = await rig.published(1)
        worker = rig.make_worker()
        await worker.run_once()
        await publish(rig.sessionmaker, endpoint.owner_id, a_note(), 1)  # stays pending
        async with rig.sessionmaker() as session:
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
        async with rig.sessionmaker() as session:
            states = list(await session.scalars(select(Delivery.state)))
            events = await session.scalar(text("SELECT count(*) FROM webhooks.events"))
        assert (states, events) == (["pending"], 1)
        assert await attempts(rig.sessionmaker) == []


class TestRunForever:
    async def test_delivers_what_is_published(self, rig: Rig) -> None:
        endpoint = await rig.endpoint()
        worker = rig.make_worker()
        task = asyncio.create_task(worker.run_forever())
        try:
            await publish(rig.sessionmaker, endpoint.owner_id, a_note(), 1, 2)
            async with asyncio.timeout(10):
                while len(rig.receiver.requests) < 2:  # noqa: ASYNC110 (another task's work)
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


@dataclass
class Notices:
    """A notifier on the test database, and auth-service (mocked) that it tells."""

    owners: OwnerNotifier
    auth: AuthService
    sessionmaker: async_sessionmaker[AsyncSession]

    async def disabled_endpoint(self, reason: str) -> Endpoint:
        """An endpoint the service disabled, its owner not yet told."""
        return await add_endpoint(
            self.sessionmaker,
            "https://gone.example/hook",
            enabled=False,
            disabled_reason=reason,
            notify_pending=True,
        )

    async def pending(self, endpoint: Endpoint) -> bool:
        async with self.sessionmaker() as session:
            stored = await session.get(Endpoint, endpoint.id)
        assert stored is not None
        return stored.notify_pending


@contextlib.asynccontextmanager
async def notices_for(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Notices]:
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
            yield Notices(notifier, AuthService(mock), sessionmaker)


@pytest.fixture
async def notices(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Notices]:
    async with notices_for(sessionmaker) as made:
        yield made


class TestOwnerNotices:
    async def test_a_410_mails_the_owner_once(self, rig: Rig) -> None:
        endpoint = await rig.published(1)
        rig.receiver.answers = [Response(status_code=410)]
        await rig.make_worker().run_once()  # real HTTP to the receiver, before respx mocks
        assert (await rig.stored(endpoint)).notify_pending
        async with notices_for(rig.sessionmaker) as notices:
            assert await notices.owners.run_once() == 1
            assert await notices.owners.run_once() == 0
        [(path, body)] = notices.auth.notices
        assert path == f"/internal/users/{endpoint.owner_id}/notices"
        assert rig.receiver.url in body["subject"]
        assert rig.receiver.url in body["text"]
        assert "410 Gone" in body["text"]
        assert not await notices.pending(endpoint)

    async def test_failing_for_five_days_mails_the_owner(self, rig: Rig) -> None:
        endpoint = await rig.published(1, failing_since=datetime.now(UTC) - timedelta(days=6))
        rig.receiver.answers = [Response(status_code=500)]
        await rig.make_worker().run_once()
        async with notices_for(rig.sessionmaker) as notices:
            assert await notices.owners.run_once() == 1
        [(_, body)] = notices.auth.notices
        assert "failed for 5 days" in body["text"]
        assert not await notices.pending(endpoint)

    async def test_a_notice_survives_auth_service_refusing_or_away(self, notices: Notices) -> None:
        endpoint = await notices.disabled_endpoint("gone")
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
        endpoint = await notices.disabled_endpoint("gone")
        notices.auth.answers = [
            AUTH.response("POST", NOTICES_PATH, status=404, json={"detail": "User not found"})
        ]
        assert await notices.owners.run_once() == 1
        assert not await notices.pending(endpoint)

    async def test_a_round_is_bounded(self, notices: Notices) -> None:
        notices.owners.batch_size = 2
        for _ in range(3):
            await notices.disabled_endpoint("failing")
        assert await notices.owners.run_once() == 2
        assert await notices.owners.run_once() == 1
        assert len(notices.auth.notices) == 3
