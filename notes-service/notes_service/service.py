"""Notes use cases. Each function owns its transaction.

No note outlives its owner. The purge and every note write of one owner are
serialised by a per-owner transaction-level advisory lock: the purge takes it
exclusively, records the owner in `deleted_owners` and deletes the notes; a
write takes it shared and refuses when the owner is recorded. A write racing
the purge therefore either commits before the purge starts deleting (and is
purged) or waits for it and is refused; writes of one owner still run side by
side. Reads take no lock: after the purge there is nothing left to read.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.errors import NoteNotFound, OwnerDeleted
from notes_service.models import DeletedOwner, Note
from notes_service.schemas import NoteWrite


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
    note = Note(owner_id=owner_id, title=data.title, description=data.description)
    session.add(note)
    await session.commit()
    return note


async def list_notes(
    session: AsyncSession, *, owner_id: uuid.UUID, offset: int, limit: int
) -> tuple[Sequence[Note], int]:
    page = await session.scalars(
        select(Note).where(Note.owner_id == owner_id).order_by(Note.id).offset(offset).limit(limit)
    )
    total = await session.scalar(select(func.count()).where(Note.owner_id == owner_id))
    return page.all(), total or 0


async def get_note(session: AsyncSession, *, owner_id: uuid.UUID, note_id: int) -> Note:
    note = await session.scalar(select(Note).where(Note.id == note_id, Note.owner_id == owner_id))
    if note is None:
        raise NoteNotFound
    return note


async def replace_note(
    session: AsyncSession, *, owner_id: uuid.UUID, note_id: int, data: NoteWrite
) -> Note:
    await _lock_for_writing(session, owner_id)
    note = await get_note(session, owner_id=owner_id, note_id=note_id)
    note.title = data.title
    note.description = data.description
    note.updated_date = func.now()
    await session.commit()
    await session.refresh(note)
    return note


async def delete_note(session: AsyncSession, *, owner_id: uuid.UUID, note_id: int) -> Note:
    await _lock_for_writing(session, owner_id)
    note: Note | None = await session.scalar(
        delete(Note).where(Note.id == note_id, Note.owner_id == owner_id).returning(Note)
    )
    if note is None:
        raise NoteNotFound
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
