"""No note outlives its owner: a write racing the purge either lands before it
(and is purged) or is refused, and every write after it is refused.

The races run on real connections. Their order is made deterministic by a
third connection that holds `LOCK TABLE notes.notes IN SHARE MODE`: it lets
reads through but parks every INSERT and DELETE on the notes table until it
is released, and pg_locks shows who waits on what.
"""

import asyncio
import uuid
from collections.abc import Coroutine
from types import SimpleNamespace
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from notes_service import service
from notes_service.errors import OwnerDeleted
from notes_service.repository import Database
from notes_service.schemas import NoteWrite
from platform_common.testing.issuer import TokenIssuer, User
from tests.conftest import count, note_of, waiting

NOTE = NoteWrite(title="a note", description="written late")
T = TypeVar("T")
U = TypeVar("U")


async def create(database: Database, owner: uuid.UUID) -> SimpleNamespace:
    return note_of(await service.create_note(database, owner_id=owner, data=NOTE))


async def purge(database: Database, owner: uuid.UUID) -> int:
    return await service.purge_user_notes(database, owner_id=owner)


class InTurn:
    """Starts two writes in a known order, the notes table locked meanwhile."""

    def __init__(self, engine: AsyncEngine, table_lock: AsyncConnection) -> None:
        self.engine = engine
        self.table_lock = table_lock

    async def __call__(
        self, first: Coroutine[Any, Any, T], second: Coroutine[Any, Any, U]
    ) -> tuple[asyncio.Task[T], asyncio.Task[U]]:
        """`first` parked on the notes table's lock, `second` waiting for `first`'s
        per-owner lock, then the table lock released: both running, in that order."""
        async with self.engine.connect() as watcher:
            first_task = asyncio.create_task(first)
            await waiting(watcher, "relation", 1)  # first's statement is parked
            second_task = asyncio.create_task(second)
            await waiting(watcher, "advisory", 1)  # second waits for first
            await self.table_lock.rollback()
        return first_task, second_task


@pytest.fixture
def in_turn(engine: AsyncEngine, table_lock: AsyncConnection) -> InTurn:
    return InTurn(engine, table_lock)


async def test_create_arriving_during_the_purge_is_refused(
    engine: AsyncEngine, database: Database, in_turn: InTurn
) -> None:
    owner = uuid.uuid4()
    purging, creating = await in_turn(purge(database, owner), create(database, owner))
    assert await purging == 0
    with pytest.raises(OwnerDeleted):
        await creating
    assert await count(engine, owner) == 0


async def test_create_landing_before_the_purge_is_purged(
    engine: AsyncEngine, database: Database, in_turn: InTurn
) -> None:
    owner = uuid.uuid4()
    creating, purging = await in_turn(create(database, owner), purge(database, owner))
    assert (await creating).owner_id == owner
    assert await purging == 1
    assert await count(engine, owner) == 0


async def test_writes_after_the_purge_are_refused(engine: AsyncEngine, database: Database) -> None:
    owner = uuid.uuid4()
    note = await create(database, owner)
    assert await purge(database, owner) == 1
    with pytest.raises(OwnerDeleted):
        await create(database, owner)
    with pytest.raises(OwnerDeleted):
        await service.update_note(
            database, owner_id=owner, note_id=note.id, changes=NOTE.model_dump()
        )
    assert await purge(database, owner) == 0
    assert await count(engine, owner) == 0


class TestThroughHttp:
    async def test_create_and_replace_refused_with_401(
        self, client: httpx.AsyncClient, alice: User, bob: User, issuer: TokenIssuer
    ) -> None:
        kept = await client.post("/notes/", json=NOTE.model_dump(), headers=alice.headers)
        purge_token = issuer.token("auth-service", scope="notes:purge", aud="notes-service")
        purged = await client.delete(
            f"/internal/users/{alice.id}/notes", headers={"Authorization": f"Bearer {purge_token}"}
        )
        assert purged.json() == {"deleted": 1}
        writes = [
            ("POST", "/notes/"),
            ("PUT", f"/notes/{kept.json()['id']}"),
            ("DELETE", f"/notes/{kept.json()['id']}"),
        ]
        for method, path in writes:
            body = NOTE.model_dump() if method != "DELETE" else None
            refused = await client.request(method, path, json=body, headers=alice.headers)
            assert refused.status_code == 401, (method, refused.text)
            assert refused.json() == {"detail": "account deleted"}
            assert refused.headers["WWW-Authenticate"] == (
                'Bearer error="invalid_token", error_description="account deleted"'
            )
        others = await client.post("/notes/", json=NOTE.model_dump(), headers=bob.headers)
        assert others.status_code == 201
