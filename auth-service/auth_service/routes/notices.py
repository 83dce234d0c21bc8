"""Notices other services send a user (`/internal/users/{user_id}/notices`):
auth-service alone knows the address, and mails through its outbox."""

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from auth_service.accounts import notices
from auth_service.deps import SessionDep
from auth_service.errors import UserNotFound
from auth_service.models import User
from auth_service.routes.shared import USER_NOT_FOUND
from auth_service.schemas import Accepted, NoticeRequest
from platform_common.responses import INSUFFICIENT_SCOPE, MALFORMED_BODY, UNAUTHORIZED
from platform_common.scopes import NOTICES_SEND, require_scope
from platform_common.tokens import AccessClaims

# Never routed by the gateway; only services on the internal network reach it.
internal_router = APIRouter(prefix="/internal", tags=["internal"])
NoticeSender = Annotated[AccessClaims, require_scope(NOTICES_SEND)]


@internal_router.post(
    "/users/{user_id}/notices",
    operation_id="internal-user-notices-send",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**UNAUTHORIZED, **INSUFFICIENT_SCOPE, **MALFORMED_BODY, **USER_NOT_FOUND},
)
async def send_notice(
    user_id: uuid.UUID, data: NoticeRequest, session: SessionDep, _sender: NoticeSender
) -> Accepted:
    """Queue a notice mail to the user's address (a service client holding
    scope `notices:send`: webhooks-service, for an endpoint it disabled).
    404 for an unknown, deleted or deactivated account: nobody to tell."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise UserNotFound
    notices.queue(session, to=user.email, subject=data.subject, text=data.text)
    await session.commit()
    return Accepted(detail="Notice queued")
