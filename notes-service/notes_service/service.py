"""Notes use cases. Each function owns its transaction.

Every statement runs through notes_service.repository (compiled once, on
asyncpg), which also holds the per-owner lock that keeps a note from
outliving its owner: a write racing the purge either commits before the purge
starts deleting (and is purged) or waits for it and is refused; writes of one
owner still run side by side.

What a client is answered (the body, the ETag) is the routes' business: a
keyed create stores the answer the routes make of the new note.

Each change writes its outbox event (notes_service.events) in its own
statement (the repository's, when the outbox is on): a change rolled back
leaves no event, and a committed one always has its event. A replayed keyed
create changes nothing and writes none.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from notes_service import repository
from notes_service.conditional import IfMatch
from notes_service.errors import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NoteNotFound,
    OwnerDeleted,
    PreconditionFailed,
)
from notes_service.repository import Database, Executor, Row, StoredAnswer
from notes_service.schemas import NoteWrite
from platform_common.errors import ServiceError


async def create_note(db: Database, *, owner_id: uuid.UUID, data: NoteWrite) -> Row:
    async with repository.owner_transaction(db, owner_id) as run:
        row = await repository.insert_note(run, owner_id, data.model_dump())
    if row is None:
        raise OwnerDeleted
    return row


def _fingerprint(data: NoteWrite) -> bytes:
    # Defaults left out: a field added to notes (with a default) leaves the
    # fingerprints of requests that do not send it as they were.
    fields = data.model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


def _key_lock(owner_id: uuid.UUID, key: str) -> int:
    digest = hashlib.sha256(owner_id.bytes + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def create_note_once(
    db: Database,
    *,
    owner_id: uuid.UUID,
    data: NoteWrite,
    key: str,
    ttl_seconds: int,
    answer: Callable[[Row], StoredAnswer],
) -> tuple[StoredAnswer, bool]:
    """Create a note unless this key already did: (the answer, whether it is a replay).

    `answer` makes the first answer of the new note, stored with it. The
    request holds a transaction-level advisory lock on (owner, key) from the
    check to the commit that stores the answer with the note, so a second
    request with the key either finds the lock taken (409: still being
    processed) or, once it is released, the committed answer: one note, ever.
    """
    fingerprint = _fingerprint(data)
    async with repository.owner_transaction(db, owner_id) as run:
        if await repository.owner_deleted(run, owner_id):
            raise OwnerDeleted
        if not await repository.try_key_lock(run, _key_lock(owner_id, key)):
            raise IdempotencyKeyInProgress
        stored = await repository.stored_answer(run, owner_id, key)
        if stored is not None:
            if stored[0] != fingerprint:
                raise IdempotencyKeyReused
            return stored[1], True
        row = await repository.insert_note(run, owner_id, data.model_dump())
        if row is None:  # the owner was checked under the lock: cannot happen
            raise OwnerDeleted
        first = answer(row)
        ttl = timedelta(seconds=ttl_seconds)
        await repository.store_answer(run, owner_id, key, fingerprint, first, ttl)
    return first, False


async def get_note(db: Database, *, owner_id: uuid.UUID, note_id: int) -> Row:
    row = await repository.read_note(db, owner_id, note_id)
    if row is None:
        raise NoteNotFound
    return row


def _versions(if_match: IfMatch | None) -> list[int] | None:
    """The versions a conditional write may change; None: any."""
    if if_match is None or if_match.any:
        return None
    return sorted(if_match.versions)


async def _refused(run: Executor, owner_id: uuid.UUID, note_id: int) -> ServiceError:
    """Why a write changed no row: the owner is gone, the note is missing, or it has changed."""
    refusal = await repository.refusal(run, owner_id, note_id)
    if refusal["owner_deleted"]:
        return OwnerDeleted()
    return PreconditionFailed() if refusal["found"] else NoteNotFound()


async def update_note(
    db: Database,
    *,
    owner_id: uuid.UUID,
    note_id: int,
    changes: dict[str, Any],
    if_match: IfMatch | None = None,
) -> Row:
    """PUT (every field) and PATCH (the given ones).

    The precondition is part of the UPDATE's WHERE clause: of two writes with
    the same If-Match, the second waits for the first's row lock, re-reads the
    row and finds another version, so it changes nothing (412).
    """
    async with repository.owner_transaction(db, owner_id) as run:
        row = await repository.update_note(run, owner_id, note_id, changes, _versions(if_match))
        if row is None:
            raise await _refused(run, owner_id, note_id)
    return row


async def delete_note(
    db: Database, *, owner_id: uuid.UUID, note_id: int, if_match: IfMatch | None = None
) -> Row:
    async with repository.owner_transaction(db, owner_id) as run:
        row = await repository.delete_note(run, owner_id, note_id, _versions(if_match))
        if row is None:
            raise await _refused(run, owner_id, note_id)
    return row


async def purge_user_notes(db: Database, *, owner_id: uuid.UUID) -> int:
    """Delete every note of a user (and their events not yet sent) and refuse
    their writes from now on.

    Running it again deletes nothing and succeeds.
    """
    async with repository.owner_transaction(db, owner_id, exclusive=True) as run:
        return await repository.purge_notes(run, owner_id)
