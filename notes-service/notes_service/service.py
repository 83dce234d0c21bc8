"""Notes use cases. Each function owns its transaction.

The hot paths (read, create, replace, patch, delete) run their statements
through notes_service.repository (compiled once, on asyncpg); the rare ones
(a create with an Idempotency-Key, the purge) keep an ORM session.

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

from sqlalchemy import delete, exists, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service import repository
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
from notes_service.repository import Database, Row
from notes_service.schemas import NoteRead, NoteWrite

EXPIRED_KEYS_PER_REQUEST = 100


_owner_lock_key = repository.owner_lock_key


async def _lock_for_writing(session: AsyncSession, owner_id: uuid.UUID) -> None:
    """Shared per-owner lock until commit; refuses the writes of a deleted owner."""
    await session.execute(select(func.pg_advisory_xact_lock_shared(_owner_lock_key(owner_id))))
    # Read committed: this statement sees a purge that committed while we waited.
    if await session.scalar(select(exists().where(DeletedOwner.owner_id == owner_id))):
        raise OwnerDeleted


def row_etag(row: Row) -> str:
    return etag(row["id"], row["version"])


async def create_note(db: Database, *, owner_id: uuid.UUID, data: NoteWrite) -> Row:
    row, _ = await repository.write(
        db, repository.INSERT, owner_id, title=data.title, description=data.description
    )
    if row is None:
        raise OwnerDeleted
    return row


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
        201, NoteRead.model_validate(note).model_dump(mode="json"), etag(note.id, note.version)
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


def _refused(refusal: Row | None) -> ServiceError:
    """Why a write changed no row: the owner is gone, the note is missing, or it has changed."""
    if refusal is None or refusal["owner_deleted"]:
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
    row, refusal = await repository.write(
        db,
        repository.UPDATE,
        owner_id,
        note_id=note_id,
        title=changes.get("title"),
        description=changes.get("description"),
        versions=_versions(if_match),
    )
    if row is None:
        raise _refused(refusal)
    return row


async def delete_note(
    db: Database, *, owner_id: uuid.UUID, note_id: int, if_match: IfMatch | None = None
) -> Row:
    row, refusal = await repository.write(
        db, repository.DELETE, owner_id, note_id=note_id, versions=_versions(if_match)
    )
    if row is None:
        raise _refused(refusal)
    return row


async def purge_user_notes(session: AsyncSession, *, owner_id: uuid.UUID) -> int:
    """Delete every note of a user and refuse their writes from now on.

    Running it again deletes nothing and succeeds.
    """
    await session.execute(select(func.pg_advisory_xact_lock(_owner_lock_key(owner_id))))
    await session.execute(insert(DeletedOwner).values(owner_id=owner_id).on_conflict_do_nothing())
    result = await session.execute(delete(Note).where(Note.owner_id == owner_id))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
