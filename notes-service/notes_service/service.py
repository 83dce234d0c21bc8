"""Notes use cases. Each function owns its transaction.

No note outlives its owner. The purge and every note write of one owner are
serialised by a per-owner transaction-level advisory lock: the purge takes it
exclusively, records the owner in `deleted_owners` and deletes the notes; a
write takes it shared and refuses when the owner is recorded. A write racing
the purge therefore either commits before the purge starts deleting (and is
purged) or waits for it and is refused; writes of one owner still run side by
side. Reads take no lock: after the purge there is nothing left to read.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.conditional import IfMatch, etag
from notes_service.errors import (
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    NoteNotFound,
    OwnerDeleted,
    PreconditionFailed,
    ServiceError,
)
from notes_service.models import DeletedOwner, IdempotencyKey, Note
from notes_service.schemas import NoteRead, NoteWrite

EXPIRED_KEYS_PER_REQUEST = 100


def _owner_lock_key(owner_id: uuid.UUID) -> int:
    # Advisory locks take one bigint: half of the UUID. Two owners sharing a
    # key only wait for each other's purge; nothing is refused wrongly.
    return int.from_bytes(owner_id.bytes[:8], "big", signed=True)


async def _lock_for_writing(session: AsyncSession, owner_id: uuid.UUID) -> None:
    """Shared per-owner lock until commit; refuses the writes of a deleted owner."""
    await session.execute(select(func.pg_advisory_xact_lock_shared(_owner_lock_key(owner_id))))
    # Read committed: this statement sees a purge that committed while we waited.
    if await session.scalar(select(exists().where(DeletedOwner.owner_id == owner_id))):
        raise OwnerDeleted


async def create_note(session: AsyncSession, *, owner_id: uuid.UUID, data: NoteWrite) -> Note:
    await _lock_for_writing(session, owner_id)
    note = await _insert_note(session, owner_id, data)
    await session.commit()
    return note


async def _insert_note(session: AsyncSession, owner_id: uuid.UUID, data: NoteWrite) -> Note:
    result = await session.scalars(
        insert(Note)
        .values(owner_id=owner_id, title=data.title, description=data.description)
        .returning(Note)
    )
    return result.one()


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer given to an Idempotency-Key, replayed to its retries."""

    status_code: int
    body: dict[str, Any]
    etag: str


def _fingerprint(data: NoteWrite) -> bytes:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


def _key_lock(owner_id: uuid.UUID, key: str) -> int:
    digest = hashlib.sha256(owner_id.bytes + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def create_note_once(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    data: NoteWrite,
    key: str,
    ttl_seconds: int,
) -> tuple[StoredAnswer, bool]:
    """Create a note unless this key already did: (the answer, whether it is a replay).

    The request holds a transaction-level advisory lock on (owner, key) from
    the check to the commit that stores the answer with the note, so a second
    request with the key either finds the lock taken (409: still being
    processed) or, once it is released, the committed answer: one note, ever.
    """
    await _lock_for_writing(session, owner_id)
    if not await session.scalar(select(func.pg_try_advisory_xact_lock(_key_lock(owner_id, key)))):
        raise IdempotencyKeyInProgress
    fingerprint = _fingerprint(data)
    stored = await session.scalar(
        select(IdempotencyKey)
        .where(
            IdempotencyKey.owner_id == owner_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at > func.now(),
        )
        .execution_options(populate_existing=True)
    )
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReused
        return StoredAnswer(stored.status_code, stored.response, stored.etag), True
    # An expired answer of this key, if any, gives way to the new one.
    await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.owner_id == owner_id, IdempotencyKey.key == key)
    )
    note = await _insert_note(session, owner_id, data)
    answer = StoredAnswer(
        201, NoteRead.model_validate(note).model_dump(mode="json"), note_etag(note)
    )
    session.add(
        IdempotencyKey(
            owner_id=owner_id,
            key=key,
            fingerprint=fingerprint,
            status_code=answer.status_code,
            response=answer.body,
            etag=answer.etag,
            expires_at=func.now() + timedelta(seconds=ttl_seconds),
        )
    )
    await _purge_expired_keys(session)
    await session.commit()
    return answer, False


async def _purge_expired_keys(session: AsyncSession) -> None:
    # A few rows per keyed request: the table stays near its live size without
    # a background job, and no request pays for a large backlog at once.
    expired = (
        select(IdempotencyKey.owner_id, IdempotencyKey.key)
        .where(IdempotencyKey.expires_at < func.now())
        .limit(EXPIRED_KEYS_PER_REQUEST)
        .with_for_update(skip_locked=True)
    )
    await session.execute(
        delete(IdempotencyKey).where(
            tuple_(IdempotencyKey.owner_id, IdempotencyKey.key).in_(expired.scalar_subquery())
        )
    )


def note_etag(note: Note) -> str:
    return etag(note.id, note.version)


async def get_note(session: AsyncSession, *, owner_id: uuid.UUID, note_id: int) -> Note:
    note = await session.scalar(select(Note).where(Note.id == note_id, Note.owner_id == owner_id))
    if note is None:
        raise NoteNotFound
    return note


def _precondition(if_match: IfMatch | None) -> list[ColumnElement[bool]]:
    if if_match is None or if_match.any:
        return []
    return [Note.version.in_(if_match.versions)]


async def _refusal(session: AsyncSession, owner_id: uuid.UUID, note_id: int) -> ServiceError:
    """Why a conditional write changed no row: the note is missing, or it has changed."""
    found = await session.scalar(
        select(exists().where(Note.id == note_id, Note.owner_id == owner_id))
    )
    return PreconditionFailed() if found else NoteNotFound()


async def update_note(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    note_id: int,
    changes: dict[str, Any],
    if_match: IfMatch | None = None,
) -> Note:
    """PUT (every field) and PATCH (the given ones).

    The precondition is part of the UPDATE's WHERE clause: of two writes with
    the same If-Match, the second waits for the first's row lock, re-reads the
    row and finds another version, so it changes nothing (412).
    """
    await _lock_for_writing(session, owner_id)
    note: Note | None = await session.scalar(
        update(Note)
        .where(Note.id == note_id, Note.owner_id == owner_id, *_precondition(if_match))
        .values(**changes, version=Note.version + 1, updated_date=func.now())
        .returning(Note)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    if note is None:
        raise await _refusal(session, owner_id, note_id)
    await session.commit()
    return note


async def delete_note(
    session: AsyncSession, *, owner_id: uuid.UUID, note_id: int, if_match: IfMatch | None = None
) -> Note:
    await _lock_for_writing(session, owner_id)
    note: Note | None = await session.scalar(
        delete(Note)
        .where(Note.id == note_id, Note.owner_id == owner_id, *_precondition(if_match))
        .returning(Note)
    )
    if note is None:
        raise await _refusal(session, owner_id, note_id)
    await session.commit()
    return note


async def purge_user_notes(session: AsyncSession, *, owner_id: uuid.UUID) -> int:
    """Delete every note of a user and refuse their writes from now on.

    Running it again deletes nothing and succeeds.
    """
    await session.execute(select(func.pg_advisory_xact_lock(_owner_lock_key(owner_id))))
    await session.execute(insert(DeletedOwner).values(owner_id=owner_id).on_conflict_do_nothing())
    result = await session.execute(delete(Note).where(Note.owner_id == owner_id))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
