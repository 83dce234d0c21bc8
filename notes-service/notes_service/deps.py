import uuid
from typing import Annotated

from fastapi import Depends

from notes_service.repository import Database
from platform_common.app_state import app_state
from platform_common.scopes import (
    NOTES_PURGE,
    NOTES_READ,
    NOTES_WRITE,
    require_scope,
    user_with_scope,
)
from platform_common.tokens import AccessClaims

get_database = app_state("database", Database)
DatabaseDep = Annotated[Database, Depends(get_database)]
PurgeClaims = Annotated[AccessClaims, require_scope(NOTES_PURGE)]
# The user of the request's token, which must hold the scope (platform_common.scopes):
# reading routes (GET, and HEAD as GET) take ReaderId, writing routes WriterId.
ReaderId = Annotated[uuid.UUID, user_with_scope(NOTES_READ)]
WriterId = Annotated[uuid.UUID, user_with_scope(NOTES_WRITE)]
