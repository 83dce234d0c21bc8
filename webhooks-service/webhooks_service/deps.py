"""The `Annotated` dependencies the routes take."""

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from platform_common import scopes
from platform_common.app_state import app_state, session_dependency
from platform_common.tokens import AccessClaims
from webhooks_service.state import WebhooksState

webhooks_state = app_state("webhooks", WebhooksState)
StateDep = Annotated[WebhooksState, Depends(webhooks_state)]
get_session = session_dependency(webhooks_state)
SessionDep = Annotated[AsyncSession, Depends(get_session)]
PublishClaims = Annotated[AccessClaims, scopes.require_scope(scopes.WEBHOOKS_PUBLISH)]
PurgeClaims = Annotated[AccessClaims, scopes.require_scope(scopes.WEBHOOKS_PURGE)]
# The person whose endpoints these are: a token with `webhooks` (or `notes`).
OwnerId = Annotated[uuid.UUID, scopes.user_with_scope(scopes.WEBHOOKS)]
