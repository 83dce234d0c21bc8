from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from notes_service import service
from notes_service.deps import CurrentUserId, PurgeClaims, SessionDep
from notes_service.models import Note
from notes_service.schemas import (
    CANONICAL_UUID,
    MAX_BIGINT,
    BigSerial,
    CanonicalUuid,
    NoteRead,
    NoteWrite,
    PurgeResult,
)
from platform_common.responses import (
    INSUFFICIENT_SCOPE,
    MALFORMED_BODY,
    UNAUTHORIZED,
    ErrorDetail,
)

NoteId = Annotated[BigSerial, Path()]
UserId = Annotated[CanonicalUuid, Path(json_schema_extra={"pattern": CANONICAL_UUID})]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorDetail, "description": "Note not found (or not yours)"}
}

router = APIRouter(
    prefix="/notes", tags=["notes"], responses={**UNAUTHORIZED, **INSUFFICIENT_SCOPE}
)
internal_router = APIRouter(prefix="/internal", tags=["internal"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=NoteRead, responses=MALFORMED_BODY
)
async def create_note(data: NoteWrite, session: SessionDep, user_id: CurrentUserId) -> Note:
    note = await service.create_note(session, owner_id=user_id, data=data)
    return note


@router.get(
    "",
    response_model=list[NoteRead],
    responses={200: {"headers": {"X-Total-Count": {"schema": {"type": "integer"}}}}},
)
async def list_notes(
    response: Response,
    session: SessionDep,
    user_id: CurrentUserId,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Sequence[Note]:
    notes, total = await service.list_notes(session, owner_id=user_id, offset=offset, limit=limit)
    response.headers["X-Total-Count"] = str(total)
    return notes


@router.get("/{note_id}", response_model=NoteRead, responses=NOT_FOUND)
async def read_note(note_id: NoteId, session: SessionDep, user_id: CurrentUserId) -> Note:
    note = await service.get_note(session, owner_id=user_id, note_id=note_id)
    return note


@router.put("/{note_id}", response_model=NoteRead, responses={**NOT_FOUND, **MALFORMED_BODY})
async def replace_note(
    note_id: NoteId, data: NoteWrite, session: SessionDep, user_id: CurrentUserId
) -> Note:
    note = await service.replace_note(session, owner_id=user_id, note_id=note_id, data=data)
    return note


@router.delete("/{note_id}", response_model=NoteRead, responses=NOT_FOUND)
async def delete_note(note_id: NoteId, session: SessionDep, user_id: CurrentUserId) -> Note:
    note = await service.delete_note(session, owner_id=user_id, note_id=note_id)
    return note


@internal_router.delete("/users/{user_id}/notes", response_model=PurgeResult)
async def purge_user_notes(
    user_id: UserId, session: SessionDep, _claims: PurgeClaims
) -> PurgeResult:
    """Called by auth-service's outbox when an account is deleted; idempotent."""
    deleted = await service.purge_user_notes(session, owner_id=user_id)
    return PurgeResult(deleted=deleted)
