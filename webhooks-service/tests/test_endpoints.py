import uuid
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from platform_common.testing.issuer import TokenIssuer, User
from webhooks_service.addresses import system_resolver
from webhooks_service.models import Delivery, Endpoint, Event

URL = "https://hooks.example.com/notes"
T = TypeVar("T")
# An endpoint as an answer showed it.
Json = dict[str, object]


@pytest.fixture(autouse=True)
def public_dns(app: FastAPI) -> Iterator[None]:
    """Names under example.com resolve to a public address, hooks.internal.example
    to a private one; anything else (address forms) as the system resolves it."""

    async def resolver(host: str, port: int) -> list[str]:
        if host == "hooks.internal.example":
            return ["10.0.0.7"]
        if host.endswith(".example.com"):
            return ["93.184.215.14"]
        return await system_resolver(host, port)

    app.state.webhooks.addresses.resolver = resolver
    yield
    app.state.webhooks.addresses.resolver = system_resolver


async def create(client: httpx.AsyncClient, user: User, **fields: object) -> dict[str, object]:
    response = await client.post(
        "/webhooks/endpoints", json={"url": URL, **fields}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.fixture
async def endpoint(client: httpx.AsyncClient, alice: User) -> dict[str, object]:
    """Alice's endpoint, as its creation answered."""
    return await create(client, alice)


async def row_of(session: AsyncSession, model: type[T], id_: object) -> T:
    """The row behind an id an answer gave."""
    row = await session.get(model, uuid.UUID(str(id_)))
    assert row is not None
    return row


async def post_to(
    client: httpx.AsyncClient, user: User, endpoint: dict[str, object], action: str
) -> httpx.Response:
    """POST /webhooks/endpoints/{id}/`action` (secret/rotate, test, deliveries/{id}/retry)."""
    return await client.post(f"/webhooks/endpoints/{endpoint['id']}/{action}", headers=user.headers)


PostToIt = Callable[[str], Awaitable[httpx.Response]]


@pytest.fixture
def post_to_it(client: httpx.AsyncClient, alice: User, endpoint: Json) -> PostToIt:
    """`post_to` alice's endpoint, as alice."""
    return partial(post_to, client, alice, endpoint)


class TestCreateEndpoint:
    async def test_ok_with_the_secret_shown_once(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        body = await create(client, alice, description="my app", event_types=["note.created"])
        assert str(body["secret"]).startswith("whsec_")
        assert body["event_types"] == ["note.created"]
        assert (body["enabled"], body["disabled_reason"]) == (True, None)
        read = await client.get(f"/webhooks/endpoints/{body['id']}", headers=alice.headers)
        assert read.status_code == 200
        assert "secret" not in read.json()

    async def test_every_note_type_by_default(self, client: httpx.AsyncClient, alice: User) -> None:
        body = await create(client, alice)
        assert body["event_types"] == ["note.created", "note.updated", "note.deleted"]

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/hook",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::ffff:127.0.0.1]/",
            "https://hooks.internal.example/",
            "https://hooks.example.com:8443/",
            "ftp://hooks.example.com/",
        ],
    )
    async def test_unsafe_urls_422(self, client: httpx.AsyncClient, alice: User, url: str) -> None:
        response = await client.post(
            "/webhooks/endpoints", json={"url": url}, headers=alice.headers
        )
        assert response.status_code == 422, url
        [error] = response.json()["detail"]
        assert (error["loc"], error["type"]) == (["body", "url"], "unsafe_url")

    async def test_unknown_event_type_422(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.post(
            "/webhooks/endpoints",
            json={"url": URL, "event_types": ["note.read"]},
            headers=alice.headers,
        )
        assert response.status_code == 422

    async def test_the_notes_scope_is_accepted_too(
        self, client: httpx.AsyncClient, issuer: TokenIssuer
    ) -> None:
        await create(client, User(issuer, scope="notes"))

    async def test_a_notes_read_token_403(
        self, client: httpx.AsyncClient, issuer: TokenIssuer
    ) -> None:
        reader = User(issuer, scope="notes:read")
        response = await client.post(
            "/webhooks/endpoints", json={"url": URL}, headers=reader.headers
        )
        assert response.status_code == 403

    async def test_the_limit_per_person_409(
        self, client: httpx.AsyncClient, app: FastAPI, alice: User
    ) -> None:
        for _ in range(app.state.webhooks.max_endpoints_per_user):
            await create(client, alice)
        response = await client.post(
            "/webhooks/endpoints", json={"url": URL}, headers=alice.headers
        )
        assert response.status_code == 409


class TestOtherPeoplesEndpoints:
    async def test_404_for_every_operation(
        self, client: httpx.AsyncClient, alice: User, bob: User, endpoint: Json
    ) -> None:
        base = f"/webhooks/endpoints/{endpoint['id']}"
        calls = [
            client.get(base, headers=bob.headers),
            client.patch(base, json={"enabled": False}, headers=bob.headers),
            client.delete(base, headers=bob.headers),
            client.post(f"{base}/test", headers=bob.headers),
            client.post(f"{base}/secret/rotate", headers=bob.headers),
            client.get(f"{base}/deliveries", headers=bob.headers),
            client.post(f"{base}/deliveries/{uuid.uuid4()}/retry", headers=bob.headers),
        ]
        for call in calls:
            response = await call
            assert response.status_code == 404, response.request.url
        listed = await client.get("/webhooks/endpoints", headers=bob.headers)
        assert listed.json() == []
        still = await client.get(base, headers=alice.headers)
        assert still.json()["enabled"] is True


class TestUpdateEndpoint:
    async def test_fields_given_change(
        self, client: httpx.AsyncClient, alice: User, endpoint: Json
    ) -> None:
        response = await client.patch(
            f"/webhooks/endpoints/{endpoint['id']}",
            json={"description": "new", "event_types": ["note.deleted"], "enabled": False},
            headers=alice.headers,
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["description"], body["event_types"], body["enabled"]) == (
            "new",
            ["note.deleted"],
            False,
        )
        assert body["url"] == URL

    async def test_an_unsafe_url_422_and_nothing_changes(
        self, client: httpx.AsyncClient, alice: User, endpoint: Json
    ) -> None:
        response = await client.patch(
            f"/webhooks/endpoints/{endpoint['id']}",
            json={"url": "http://169.254.169.254/", "description": "x"},
            headers=alice.headers,
        )
        assert response.status_code == 422
        read = await client.get(f"/webhooks/endpoints/{endpoint['id']}", headers=alice.headers)
        assert (read.json()["url"], read.json()["description"]) == (URL, "")

    async def test_null_422(self, client: httpx.AsyncClient, alice: User, endpoint: Json) -> None:
        response = await client.patch(
            f"/webhooks/endpoints/{endpoint['id']}", json={"enabled": None}, headers=alice.headers
        )
        assert response.status_code == 422

    async def test_enabling_clears_the_services_reason(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User, endpoint: Json
    ) -> None:
        stored = await row_of(session, Endpoint, endpoint["id"])
        stored.enabled, stored.disabled_reason = False, "gone"
        await session.flush()
        response = await client.patch(
            f"/webhooks/endpoints/{endpoint['id']}", json={"enabled": True}, headers=alice.headers
        )
        assert (response.json()["enabled"], response.json()["disabled_reason"]) == (True, None)


class TestDeleteEndpoint:
    async def test_204_then_404(
        self, client: httpx.AsyncClient, alice: User, endpoint: Json
    ) -> None:
        path = f"/webhooks/endpoints/{endpoint['id']}"
        assert (await client.delete(path, headers=alice.headers)).status_code == 204
        assert (await client.get(path, headers=alice.headers)).status_code == 404


class TestRotateSecret:
    async def test_a_new_secret_and_the_old_one_kept_for_the_overlap(
        self, session: AsyncSession, endpoint: Json, post_to_it: PostToIt
    ) -> None:
        response = await post_to_it("secret/rotate")
        assert response.status_code == 200
        body = response.json()
        assert body["secret"] != endpoint["secret"]
        assert body["previous_secret_expires_at"] is not None
        stored = await row_of(session, Endpoint, endpoint["id"])
        await session.refresh(stored)
        assert stored.previous_secret == endpoint["secret"]


class TestSendTestEvent:
    async def test_a_pending_webhook_test_delivery(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        alice: User,
        endpoint: Json,
        post_to_it: PostToIt,
    ) -> None:
        response = await post_to_it("test")
        assert response.status_code == 202
        delivery = await row_of(session, Delivery, response.json()["id"])
        event = await session.get(Event, delivery.event_id)
        assert event is not None
        assert (event.type, delivery.state) == ("webhook.test", "pending")
        listed = await client.get(
            f"/webhooks/endpoints/{endpoint['id']}/deliveries", headers=alice.headers
        )
        assert [(d["id"], d["event_type"], d["attempts"]) for d in listed.json()] == [
            (response.json()["id"], "webhook.test", [])
        ]

    async def test_a_disabled_endpoint_409(self, client: httpx.AsyncClient, alice: User) -> None:
        endpoint = await create(client, alice, enabled=False)
        response = await post_to(client, alice, endpoint, "test")
        assert response.status_code == 409


class TestRetryDelivery:
    async def test_a_failed_delivery_due_again(
        self, session: AsyncSession, post_to_it: PostToIt
    ) -> None:
        sent = await post_to_it("test")
        delivery = await row_of(session, Delivery, sent.json()["id"])
        delivery.state = "failed"
        await session.flush()
        response = await post_to_it(f"deliveries/{delivery.id}/retry")
        assert response.status_code == 202
        state = await session.scalar(select(Delivery.state).where(Delivery.id == delivery.id))
        assert state == "pending"

    async def test_another_endpoints_delivery_404(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        first, second = await create(client, alice), await create(client, alice)
        sent = await post_to(client, alice, first, "test")
        response = await post_to(client, alice, second, f"deliveries/{sent.json()['id']}/retry")
        assert response.status_code == 404
