import uuid
from typing import Annotated

from fastapi import Depends, Request

from notes_service.repository import Database
from platform_common.bearer import ScopedUser, require_scope
from platform_common.tokens import AccessClaims


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
PurgeClaims = Annotated[AccessClaims, require_scope("notes:purge")]
CurrentUserId = Annotated[uuid.UUID, Depends(ScopedUser("notes"))]
