import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.db import SessionFactory, get_session, get_session_factory
from notes_service.repository import Database
from platform_common.bearer import ScopedUser, require_scope
from platform_common.tokens import AccessClaims

SessionDep = Annotated[AsyncSession, Depends(get_session)]
SessionFactoryDep = Annotated[SessionFactory, Depends(get_session_factory)]


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
PurgeClaims = Annotated[AccessClaims, require_scope("notes:purge")]
CurrentUserId = Annotated[uuid.UUID, Depends(ScopedUser("notes"))]
