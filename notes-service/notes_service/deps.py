import uuid
from typing import Annotated

from fastapi import Depends

from notes_service.repository import Database
from platform_common import scopes
from platform_common.app_state import app_state
from platform_common.tokens import AccessClaims

get_database = app_state("database", Database)
DatabaseDep = Annotated[Database, Depends(get_database)]
PurgeClaims = Annotated[AccessClaims, scopes.require_scope(scopes.NOTES_PURGE)]
# The user of the request's token, which must hold the scope (platform_common.scopes):
# reading routes (GET, and HEAD as GET) take ReaderId, writing routes WriterId.
ReaderId = Annotated[uuid.UUID, scopes.user_with_scope(scopes.NOTES_READ)]
WriterId = Annotated[uuid.UUID, scopes.user_with_scope(scopes.NOTES_WRITE)]
