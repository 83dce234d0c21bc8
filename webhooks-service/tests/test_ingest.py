import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_common.testing.issuer import TokenIssuer, User
from tests.conftest import service_headers
from webhooks_service.models import Delivery, Endpoint, Event

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def note_event(
    owner: uuid.UUID, *, type_: str = "note.created", sequence: int = 1, **fields: Any
) -> dict[str, Any]:
    note_id = fields.pop("note_id", secrets.randbelow(2**62) + 1)
    return {
        "id": str(fields.pop("id", uuid.uuid4())),
        "type": type_,
        "owner_id": str(owner),
        "note_id": note_id,
        "sequence": sequence,
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {"id": 7, "title": "abc", "description": "def"},
        **fields,
    }


async def add_endpoint(session: AsyncSession, owner: uuid.UUID, **fields: Any) -> Endpoint:
    endpoint = Endpoint(
        id=uuid.uuid4(),
        owner_id=owner,
        url="https://example.com/hook",
        event_types=fields.pop("event_types", ["note.created", "note.updated", "note.deleted"]),
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        **fields,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def deliveries(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    rows = await session.execute(select(Delivery.event_id, Delivery.endpoint_id))
    return sorted((row[0], row[1]) for row in rows)


Publish = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def publish(client: httpx.AsyncClient, issuer: TokenIssuer) -> Publish:
    """`POST /internal/events` as notes-service does (scope webhooks:publish)."""

    async def post(*events: dict[str, Any], **headers: str) -> httpx.Response:
        publisher = service_headers(issuer, "webhooks:publish")
        return await client.post(
            "/internal/events", json={"events": list(events)}, headers={**publisher, **headers}
        )

    return post


class TestIngestEvents:
    async def test_new_events_fan_out_to_subscribed_enabled_endpoints(
        self, publish: Publish, session: AsyncSession, alice: User, bob: User
    ) -> None:
        all_types = await add_endpoint(session, alice.id)
        await add_endpoint(session, alice.id, event_types=["note.deleted"])
        await add_endpoint(session, alice.id, enabled=False)
        await add_endpoint(session, bob.id)
        event = note_event(alice.id)
        response = await publish(event, traceparent=TRACEPARENT)
        assert response.status_code == 200, response.text
        assert response.json() == {"accepted": 1, "duplicates": 0}
        assert await deliveries(session) == [(uuid.UUID(event["id"]), all_types.id)]
        stored = await session.get(Event, uuid.UUID(event["id"]))
        assert stored is not None
        assert (stored.traceparent, stored.sequence) == (TRACEPARENT, 1)

    async def test_each_event_keeps_its_own_trace_context(
        self, publish: Publish, session: AsyncSession, alice: User
    ) -> None:
        # One call for the changes of several requests (notes-service's batches).
        own = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
        traced, untraced = note_event(alice.id, traceparent=own), note_event(alice.id)
        response = await publish(traced, untraced, traceparent=TRACEPARENT)
        assert response.status_code == 200, response.text
        stored = {
            str(event.id): event.traceparent for event in await session.scalars(select(Event))
        }
        assert stored == {traced["id"]: own, untraced["id"]: TRACEPARENT}

    async def test_an_events_malformed_trace_context_is_refused(
        self, publish: Publish, alice: User
    ) -> None:
        response = await publish(note_event(alice.id, traceparent="00-not-a-trace-01"))
        assert response.status_code == 422

    async def test_a_batch_sent_again_adds_nothing(
        self, publish: Publish, session: AsyncSession, alice: User
    ) -> None:
        await add_endpoint(session, alice.id)
        batch = [note_event(alice.id), note_event(alice.id, sequence=2)]
        first = await publish(*batch)
        again = await publish(*batch)
        assert first.json() == {"accepted": 2, "duplicates": 0}
        assert again.json() == {"accepted": 0, "duplicates": 2}
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 2

    async def test_without_the_publish_scope_403(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User
    ) -> None:
        response = await client.post(
            "/internal/events",
            json={"events": [note_event(alice.id)]},
            headers=service_headers(issuer, "webhooks:purge"),
        )
        assert response.status_code == 403
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]

    async def test_without_a_token_401(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.post("/internal/events", json={"events": [note_event(alice.id)]})
        assert response.status_code == 401

    async def test_more_than_500_events_422(self, publish: Publish, alice: User) -> None:
        response = await publish(*(note_event(alice.id) for _ in range(501)))
        assert response.status_code == 422

    async def test_an_unknown_type_or_sequence_0_422(self, publish: Publish, alice: User) -> None:
        for event in (note_event(alice.id, type_="note.read"), note_event(alice.id, sequence=0)):
            response = await publish(event)
            assert response.status_code == 422, event


class TestPurgeUserEndpoints:
    async def test_deletes_the_accounts_endpoints_and_pending_deliveries(
        self,
        client: httpx.AsyncClient,
        publish: Publish,
        session: AsyncSession,
        issuer: TokenIssuer,
        alice: User,
        bob: User,
    ) -> None:
        await add_endpoint(session, alice.id)
        await add_endpoint(session, alice.id)
        kept = await add_endpoint(session, bob.id)
        assert (await publish(note_event(alice.id), note_event(bob.id))).status_code == 200
        purge = service_headers(issuer, "webhooks:purge", subject="auth-service")
        response = await client.delete(f"/internal/users/{alice.id}/endpoints", headers=purge)
        assert response.status_code == 200
        assert response.json() == {"deleted": 2}
        assert [endpoint_id for _, endpoint_id in await deliveries(session)] == [kept.id]
        again = await client.delete(f"/internal/users/{alice.id}/endpoints", headers=purge)
        assert again.json() == {"deleted": 0}

    async def test_a_user_token_403(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.delete(
            f"/internal/users/{alice.id}/endpoints", headers=alice.headers
        )
        assert response.status_code == 403
