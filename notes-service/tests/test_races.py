"""Races on real connections: each request its own transaction, as in production.

Where the order matters it is made deterministic as in test_owner_deletion:
a connection holding `LOCK TABLE notes.notes IN SHARE MODE` parks every write
to the table, and pg_locks shows who waits.
"""

import asyncio
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from notes_service import listing, service
from notes_service.conditional import etag, parse_if_match
from notes_service.cursors import Order
from notes_service.errors import IdempotencyKeyInProgress, PreconditionFailed
from notes_service.listing import ListQuery
from notes_service.repository import Database, Row, StoredAnswer
from notes_service.schemas import NoteWrite
from tests.conftest import count, note_of, waiting

NOTE = NoteWrite(title="a note", description="racing")


async def create(database: Database, owner: uuid.UUID, title: str = "a note") -> SimpleNamespace:
    data = NoteWrite(title=title, description="racing")
    return note_of(await service.create_note(database, owner_id=owner, data=data))


async def replace(
    database: Database, owner: uuid.UUID, note: SimpleNamespace, if_match: str
) -> SimpleNamespace:
    row = await service.update_note(
        database,
        owner_id=owner,
        note_id=note.id,
        changes={"title": f"writer {uuid.uuid4().hex[:6]}"},
        if_match=parse_if_match(if_match, note.id),
    )
    return note_of(row)


def first_answer(row: Row) -> StoredAnswer:
    return StoredAnswer(201, {"id": row["id"]}, etag(row["id"], row["version"]))


async def create_once(database: Database, owner: uuid.UUID, key: str) -> tuple[StoredAnswer, bool]:
    return await service.create_note_once(
        database, owner_id=owner, data=NOTE, key=key, ttl_seconds=60, answer=first_answer
    )


async def test_two_puts_with_one_if_match_one_wins(
    engine: AsyncEngine, database: Database, owner: uuid.UUID
) -> None:
    note = await create(database, owner)
    tag = etag(note.id, note.version)
    async with engine.connect() as watcher, engine.connect() as table_lock:
        await table_lock.execute(text("LOCK TABLE notes.notes IN SHARE MODE"))
        writers = [asyncio.create_task(replace(database, owner, note, tag)) for _ in range(2)]
        await waiting(watcher, "relation", 2)  # both UPDATEs parked, both checks pending
        await table_lock.rollback()
        results = await asyncio.gather(*writers, return_exceptions=True)
    written = [r for r in results if isinstance(r, SimpleNamespace)]
    refused = [r for r in results if isinstance(r, PreconditionFailed)]
    assert (len(written), len(refused)) == (1, 1), results
    assert written[0].version == 2
    stored = await service.get_note(database, owner_id=owner, note_id=note.id)
    assert (stored["title"], stored["version"]) == (written[0].title, 2)


async def test_concurrent_posts_with_one_key_create_one_note(
    engine: AsyncEngine, database: Database, owner: uuid.UUID
) -> None:
    results = await asyncio.gather(
        *(create_once(database, owner, "one-key") for _ in range(8)), return_exceptions=True
    )
    answers = [r for r in results if isinstance(r, tuple)]
    busy = [r for r in results if isinstance(r, IdempotencyKeyInProgress)]
    assert len(answers) + len(busy) == 8, results
    assert [replayed for _, replayed in answers].count(False) == 1
    assert len({answer.body["id"] for answer, _ in answers}) == 1
    assert await count(engine, owner) == 1


async def test_key_in_progress_is_409_then_replayed(
    engine: AsyncEngine, database: Database, owner: uuid.UUID, table_lock: AsyncConnection
) -> None:
    async with engine.connect() as watcher:
        first = asyncio.create_task(create_once(database, owner, "slow-key"))
        await waiting(watcher, "relation", 1)  # holds the key, its INSERT parked
        with pytest.raises(IdempotencyKeyInProgress):
            await create_once(database, owner, "slow-key")
        await table_lock.rollback()
        answer, replayed = await first
    assert not replayed
    again, replayed = await create_once(database, owner, "slow-key")
    assert replayed
    assert again == answer
    assert await count(engine, owner) == 1


async def test_cursor_walk_while_others_are_created_and_deleted(
    database: Database, owner: uuid.UUID
) -> None:
    """Every note that exists throughout is seen exactly once, in order."""
    kept = [await create(database, owner, f"kept {i:02}") for i in range(12)]
    doomed = [await create(database, owner, f"doomed {i:02}") for i in range(6)]
    orders: list[Order] = ["id", "title", "-created_date", "updated_date"]
    for order in orders:
        seen: list[int] = []
        cursor = None
        step = 0
        while True:
            page = await listing.list_notes(
                database, ListQuery(owner_id=owner, limit=3, order=order, cursor=cursor)
            )
            seen += [note["id"] for note in page.notes]
            # Between pages: a note appears and one of the others goes.
            await create(database, owner, f"new {order} {step:02}")
            if step < len(doomed):
                await service.delete_note(database, owner_id=owner, note_id=doomed[step].id)
            step += 1
            if page.next is None:
                break
            cursor = page.next
        kept_seen = [i for i in seen if i in {n.id for n in kept}]
        assert sorted(kept_seen) == sorted(n.id for n in kept), order
        assert len(seen) == len(set(seen)), order
        doomed = [await create(database, owner, f"doomed {order} {i:02}") for i in range(6)]


async def test_patch_moves_updated_date(database: Database, owner: uuid.UUID) -> None:
    note = await create(database, owner)
    patched = note_of(
        await service.update_note(
            database, owner_id=owner, note_id=note.id, changes={"description": "moved on"}
        )
    )
    assert patched.updated_date > note.updated_date
    assert patched.created_date == note.created_date
    assert (patched.title, patched.version) == (note.title, 2)
