"""The `Annotated` dependencies the routes take."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from platform_common.scopes import (
    WEBHOOKS,
    WEBHOOKS_PUBLISH,
    WEBHOOKS_PURGE,
    require_scope,
    user_with_scope,
)
from platform_common.tokens import AccessClaims
from webhooks_service.state import WebhooksState


async def webhooks_state(request: Request) -> WebhooksState:
    state: WebhooksState = request.app.state.webhooks
    return state


StateDep = Annotated[WebhooksState, Depends(webhooks_state)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
PublishClaims = Annotated[AccessClaims, require_scope(WEBHOOKS_PUBLISH)]
PurgeClaims = Annotated[AccessClaims, require_scope(WEBHOOKS_PURGE)]
# The person whose endpoints these are: a token with `webhooks` (or `notes`).
OwnerId = Annotated[uuid.UUID, user_with_scope(WEBHOOKS)]
