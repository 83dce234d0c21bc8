"""Idempotency-Key on POST /notes/ (IETF httpapi idempotency-key draft)."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.models import IdempotencyKey, Note
from platform_common.testing.issuer import User
from tests.test_routes import NOTE


async def post(
    client: httpx.AsyncClient, user: User, key: str, body: dict[str, Any] = NOTE
) -> httpx.Response:
    return await client.post("/notes/", json=body, headers={**user.headers, "Idempotency-Key": key})


async def notes_of(session: AsyncSession, user: User) -> int:
    return await session.scalar(select(func.count()).where(Note.owner_id == user.id)) or 0


class TestIdempotencyKey:
    async def test_retry_replays_the_first_answer(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        first = await post(client, alice, "key-1")
        assert first.status_code == 201
        assert "Idempotent-Replayed" not in first.headers
        again = await post(client, alice, "key-1")
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Location"] == first.headers["Location"]
        assert first.headers["Location"] == f"/notes/{first.json()['id']}"
        assert await notes_of(session, alice) == 1

    async def test_same_body_in_another_spelling_is_the_same_request(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        await post(client, alice, "key-1")
        reordered = {"description": NOTE["description"], "title": NOTE["title"], "extra": 1}
        again = await post(client, alice, "key-1", reordered)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert await notes_of(session, alice) == 1

    async def test_replay_is_the_first_answer_even_after_an_edit(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        first = await post(client, alice, "key-1")
        path = f"/notes/{first.json()['id']}"
        await client.put(
            path, json={"title": "edited", "description": "edited"}, headers=alice.headers
        )
        again = await post(client, alice, "key-1")
        assert again.json() == first.json()

    async def test_other_body_is_422_and_creates_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        await post(client, alice, "key-1")
        response = await post(client, alice, "key-1", {"title": "another", "description": "body"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "idempotency_key_reused"
        assert response.json()["detail"][0]["loc"] == ["header", "idempotency-key"]
        assert await notes_of(session, alice) == 1

    async def test_keys_are_per_user(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User, bob: User
    ) -> None:
        mine = await post(client, alice, "shared-key")
        theirs = await post(client, bob, "shared-key")
        assert theirs.status_code == 201
        assert "Idempotent-Replayed" not in theirs.headers
        assert theirs.json()["id"] != mine.json()["id"]
        assert await notes_of(session, bob) == 1

    async def test_expired_key_creates_a_new_note(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        first = await post(client, alice, "key-1")
        await session.execute(
            update(IdempotencyKey).values(expires_at=func.now() - timedelta(seconds=1))
        )
        again = await post(client, alice, "key-1", {"title": "new body", "description": "okay"})
        assert again.status_code == 201
        assert "Idempotent-Replayed" not in again.headers
        assert again.json()["id"] != first.json()["id"]
        assert await notes_of(session, alice) == 2

    async def test_expired_keys_are_purged(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User, bob: User
    ) -> None:
        for key in ("a", "b", "c"):
            await post(client, bob, key)
        await session.execute(
            update(IdempotencyKey).values(expires_at=func.now() - timedelta(seconds=1))
        )
        await post(client, alice, "fresh")
        keys = (await session.scalars(select(IdempotencyKey.key))).all()
        assert keys == ["fresh"]

    async def test_ttl_is_the_setting(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        await post(client, alice, "key-1")
        lifetime = await session.scalar(
            select(func.extract("epoch", IdempotencyKey.expires_at - IdempotencyKey.created_at))
        )
        assert lifetime == 24 * 3600

    async def test_without_a_key_every_post_creates(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        for _ in range(2):
            response = await client.post("/notes/", json=NOTE, headers=alice.headers)
            assert response.status_code == 201
        assert await notes_of(session, alice) == 2

    @pytest.mark.parametrize("key", ["", " lead", "trail ", "x" * 256, "tab\there", "é"])
    async def test_malformed_key_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User, key: str
    ) -> None:
        headers = [(k.encode(), v.encode()) for k, v in alice.headers.items()]
        headers.append((b"Idempotency-Key", key.encode("utf-8")))
        response = await client.post("/notes/", json=NOTE, headers=headers)
        assert response.status_code == 422
        assert await notes_of(session, alice) == 0

    @pytest.mark.parametrize("key", ["x", "x" * 255, "with inner space", '"quoted"'])
    async def test_well_formed_keys(self, client: httpx.AsyncClient, alice: User, key: str) -> None:
        assert (await post(client, alice, key)).status_code == 201
        assert (await post(client, alice, key)).headers["Idempotent-Replayed"] == "true"

    async def test_invalid_body_stores_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: User
    ) -> None:
        response = await post(client, alice, "key-1", {"title": "x"})
        assert response.status_code == 422
        assert await session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
        assert (await post(client, alice, "key-1")).status_code == 201
