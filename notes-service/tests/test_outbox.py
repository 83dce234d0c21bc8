"""The outbox: each note change writes its event in the change's own transaction.

API tests run in the test's rolled-back transaction (conftest's `session`,
outbox on); the atomicity and race tests commit for real on a pool of their
own (`outbox_database`).
"""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from notes_service import events, repository, service
from notes_service.events import wire_data
from notes_service.models import OutboxEvent
from notes_service.repository import Database, StoredAnswer
from notes_service.schemas import NoteWrite
from platform_common.testing.issuer import User
from tests.conftest import count, waiting

NOTE = {"title": "first", "description": "a note"}
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def events_of(session: AsyncSession, owner: uuid.UUID) -> list[OutboxEvent]:
    result = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.owner_id == owner)
        .order_by(OutboxEvent.occurred_at, OutboxEvent.sequence)
    )
    return list(result)


async def test_a_created_note_writes_note_created_with_its_answer(
    client: httpx.AsyncClient, session: AsyncSession, alice: User
) -> None:
    response = await client.post("/notes/", json=NOTE, headers=alice.headers)
    assert response.status_code == 201

    [event] = await events_of(session, alice.id)
    assert (event.type, event.note_id, event.sequence) == ("note.created", response.json()["id"], 1)
    assert wire_data(event.type, event.data) == response.json()  # the note as answered
    assert event.attempts == 0
    assert event.next_attempt_at - event.occurred_at < timedelta(seconds=1)  # due at once


async def test_updates_and_the_deletion_follow_in_sequence(
    client: httpx.AsyncClient, session: AsyncSession, alice: User
) -> None:
    note = (await client.post("/notes/", json=NOTE, headers=alice.headers)).json()
    path = f"/notes/{note['id']}"
    put = await client.put(path, json={**NOTE, "title": "second"}, headers=alice.headers)
    patch = await client.patch(path, json={"description": "patched"}, headers=alice.headers)
    deleted = await client.delete(path, headers=alice.headers)
    assert [put.status_code, patch.status_code, deleted.status_code] == [200, 200, 200]

    events = await events_of(session, alice.id)
    assert [(e.type, e.sequence) for e in events] == [
        ("note.created", 1),
        ("note.updated", 2),
        ("note.updated", 3),
        ("note.deleted", 4),
    ]
    assert [wire_data(e.type, e.data) for e in events[1:3]] == [put.json(), patch.json()]
    assert wire_data(events[3].type, events[3].data) == {"id": note["id"]}
    assert {e.note_id for e in events} == {note["id"]}


async def test_a_refused_write_writes_no_event(
    client: httpx.AsyncClient, session: AsyncSession, alice: User, bob: User
) -> None:
    note = (await client.post("/notes/", json=NOTE, headers=alice.headers)).json()
    path = f"/notes/{note['id']}"
    stale = await client.put(path, json=NOTE, headers={**alice.headers, "If-Match": '"0.0"'})
    others = await client.delete(path, headers=bob.headers)
    assert [stale.status_code, others.status_code] == [412, 404]

    assert [e.type for e in await events_of(session, alice.id)] == ["note.created"]
    assert await events_of(session, bob.id) == []


async def test_a_replayed_keyed_create_writes_no_second_event(
    client: httpx.AsyncClient, session: AsyncSession, alice: User
) -> None:
    headers = {**alice.headers, "Idempotency-Key": "create-once"}
    first = await client.post("/notes/", json=NOTE, headers=headers)
    replay = await client.post("/notes/", json=NOTE, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"

    [event] = await events_of(session, alice.id)
    assert (event.type, wire_data(event.type, event.data)) == ("note.created", first.json())


async def test_the_request_s_trace_context_is_kept(
    client: httpx.AsyncClient, session: AsyncSession, alice: User
) -> None:
    headers = {**alice.headers, "traceparent": TRACEPARENT}
    await client.post("/notes/", json=NOTE, headers=headers)
    await client.post("/notes/", json=NOTE, headers=alice.headers)

    traced, untraced = await events_of(session, alice.id)
    # Tracing is off in the tests: the caller's context is carried on as it came.
    assert traced.traceparent == TRACEPARENT
    assert untraced.traceparent is None


async def test_the_purge_drops_the_owner_s_unsent_events_only(
    client: httpx.AsyncClient, session: AsyncSession, issuer: Any, alice: User, bob: User
) -> None:
    for user in (alice, bob):
        await client.post("/notes/", json=NOTE, headers=user.headers)
    purge = issuer.token("auth-service-outbox", aud="notes-service", scope="notes:purge")
    response = await client.delete(
        f"/internal/users/{alice.id}/notes", headers={"Authorization": f"Bearer {purge}"}
    )
    assert response.json() == {"deleted": 1}

    assert await events_of(session, alice.id) == []
    assert [e.type for e in await events_of(session, bob.id)] == ["note.created"]


# --- committed for real ------------------------------------------------------


async def committed_events(engine: AsyncEngine, owner: uuid.UUID) -> list[OutboxEvent]:
    async with async_sessionmaker(engine)() as session:
        return await events_of(session, owner)


class Boom(Exception):
    pass


async def test_a_change_rolled_back_after_its_event_leaves_neither(
    engine: AsyncEngine,
    outbox_database: Database,
    owner: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The note and its event commit together: a keyed create failing after
    both were written (storing its answer) keeps neither."""

    async def fail(*_: object, **__: object) -> None:
        raise Boom

    monkeypatch.setattr(repository, "store_answer", fail)
    with pytest.raises(Boom):
        await service.create_note_once(
            outbox_database,
            owner_id=owner,
            data=NoteWrite(**NOTE),
            key="k",
            ttl_seconds=60,
            answer=lambda row: StoredAnswer(201, {"id": row["id"]}, "etag"),
        )

    assert await count(engine, owner) == 0
    assert await committed_events(engine, owner) == []


async def test_an_event_that_cannot_be_written_undoes_its_change(
    engine: AsyncEngine,
    outbox_database: Database,
    owner: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    note = await service.create_note(outbox_database, owner_id=owner, data=NoteWrite(**NOTE))
    # Longer than the column holds (no request can make one: the middleware
    # ignores a traceparent over 256 characters), so the event's INSERT fails.
    monkeypatch.setattr(
        events, "trace_context", lambda: {"traceparent": "0" * 300, "tracestate": None}
    )
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        await service.update_note(
            outbox_database, owner_id=owner, note_id=note["id"], changes={"title": "lost"}
        )
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        await service.delete_note(outbox_database, owner_id=owner, note_id=note["id"])

    row = await service.get_note(outbox_database, owner_id=owner, note_id=note["id"])
    assert (row["title"], row["version"]) == (NOTE["title"], 1)
    assert [e.type for e in await committed_events(engine, owner)] == ["note.created"]


async def test_with_the_outbox_off_no_event_is_written(
    engine: AsyncEngine, database: Database, owner: uuid.UUID
) -> None:
    assert database.outbox is False  # the app's: no NOTES_WEBHOOKS_URL in the tests
    note = await service.create_note(database, owner_id=owner, data=NoteWrite(**NOTE))
    await service.delete_note(database, owner_id=owner, note_id=note["id"])
    assert await committed_events(engine, owner) == []


async def test_concurrent_writes_of_one_note_get_distinct_increasing_sequences(
    engine: AsyncEngine, outbox_database: Database, owner: uuid.UUID
) -> None:
    """Ten PATCHes queued behind one row lock, released together."""
    note = await service.create_note(outbox_database, owner_id=owner, data=NoteWrite(**NOTE))
    writers = 10
    async with engine.connect() as watcher, engine.connect() as holder:
        await holder.execute(
            text("SELECT 1 FROM notes.notes WHERE id = :id FOR UPDATE"), {"id": note["id"]}
        )
        patches = [
            asyncio.create_task(
                service.update_note(
                    outbox_database,
                    owner_id=owner,
                    note_id=note["id"],
                    changes={"description": f"writer {k}"},
                )
            )
            for k in range(writers)
        ]
        # One holds the tuple's lock and waits for the holder's transaction
        # (a lock pg_locks shows without a database); the others wait for it.
        await waiting(watcher, "tuple", writers - 1)
        await holder.rollback()
        rows = await asyncio.gather(*patches)

    events = await committed_events(engine, owner)
    updates = events[1:]
    assert [e.sequence for e in events] == list(range(1, writers + 2))
    # Each event carries the state its own write left, and times follow sequences.
    by_version = {row["version"]: row["description"] for row in rows}
    assert {e.sequence: e.data["description"] for e in updates} == by_version
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
