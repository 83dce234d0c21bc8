import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.db import get_session
from platform_common.bearer import require_scope, unauthorized
from platform_common.tokens import AccessClaims

SessionDep = Annotated[AsyncSession, Depends(get_session)]
NotesClaims = Annotated[AccessClaims, require_scope("notes")]
PurgeClaims = Annotated[AccessClaims, require_scope("notes:purge")]


async def current_user_id(claims: NotesClaims) -> uuid.UUID:
    try:
        return uuid.UUID(claims.subject)
    except ValueError:
        raise unauthorized("token subject is not a user") from None


CurrentUserId = Annotated[uuid.UUID, Depends(current_user_id)]
