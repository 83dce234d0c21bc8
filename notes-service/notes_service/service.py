"""Notes use cases. Each function owns its transaction."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.errors import NoteNotFound
from notes_service.models import Note
from notes_service.schemas import NoteWrite


async def create_note(session: AsyncSession, *, owner_id: uuid.UUID, data: NoteWrite) -> Note:
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
    note = await get_note(session, owner_id=owner_id, note_id=note_id)
    note.title = data.title
    note.description = data.description
    note.updated_date = func.now()
    await session.commit()
    await session.refresh(note)
    return note


async def delete_note(session: AsyncSession, *, owner_id: uuid.UUID, note_id: int) -> Note:
    note: Note | None = await session.scalar(
        delete(Note).where(Note.id == note_id, Note.owner_id == owner_id).returning(Note)
    )
    if note is None:
        raise NoteNotFound
    await session.commit()
    return note


async def purge_user_notes(session: AsyncSession, *, owner_id: uuid.UUID) -> int:
    """Delete every note of a user; running it again deletes nothing and succeeds."""
    result = await session.execute(delete(Note).where(Note.owner_id == owner_id))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
