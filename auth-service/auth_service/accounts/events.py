"""Security events: what happened to an account, when, from where.

Written in the transaction of the change they record (a failed login, which
changes nothing, in one of its own), with the client's address, user agent
and the request id (platform_common.observability). Never a password, a token
or an email address: the row names the account by id only. Kept
`AUTH_EVENT_RETENTION_DAYS`, then deleted (auth_service.accounts.housekeeping).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.db import page_and_total
from auth_service.models import SecurityEvent

logger = logging.getLogger(__name__)
# Longer user agents are cut: the column is bounded and they carry nothing more.
MAX_USER_AGENT_LENGTH = 255
MAX_REQUEST_ID_LENGTH = 128

LOGIN_SUCCEEDED = "login.succeeded"
LOGIN_FAILED = "login.failed"
LOGIN_THROTTLED = "login.throttled"
PASSWORD_CHANGED = "password.changed"  # noqa: S105  (an event type)  # nosec B105
PASSWORD_RESET = "password.reset"  # noqa: S105  (an event type)  # nosec B105
EMAIL_CHANGE_REQUESTED = "email.change_requested"
EMAIL_CHANGED = "email.changed"
EMAIL_VERIFIED = "email.verified"
REFRESH_TOKEN_REUSED = "refresh_token.reused"  # noqa: S105  (an event type)  # nosec B105
SESSION_ENDED = "session.ended"
ALL_SESSIONS_ENDED = "session.ended_all"
ACCOUNT_DEACTIVATED = "account.deactivated"
ACCOUNT_DELETED = "account.deleted"
# The client registry (a superuser's act; client_id names the app).
CLIENT_CREATED = "client.created"
CLIENT_UPDATED = "client.updated"
CLIENT_DISABLED = "client.disabled"
CLIENT_DELETED = "client.deleted"
CLIENT_SECRET_ROTATED = "client.secret_rotated"  # noqa: S105  (an event type)  # nosec B105
# A person took back what they had let an app do.
AUTHORIZATION_REVOKED = "authorization.revoked"
# The second factor (auth_service.accounts.totp); never the code itself.
TOTP_ENABLED = "mfa.totp_enabled"
TOTP_DISABLED = "mfa.totp_disabled"
RECOVERY_CODE_USED = "mfa.recovery_code_used"
RECOVERY_CODES_REGENERATED = "mfa.recovery_codes_regenerated"
SECOND_FACTOR_FAILED = "mfa.failed"
# Personal access tokens (session_id: the token's id, its `sid`). Revoked: by
# its owner or a superuser; leaked: reported found in public and revoked.
PERSONAL_TOKEN_CREATED = "personal_token.created"  # noqa: S105  # nosec B105
PERSONAL_TOKEN_REVOKED = "personal_token.revoked"  # noqa: S105  # nosec B105
PERSONAL_TOKEN_LEAKED = "personal_token.leaked"  # noqa: S105  # nosec B105
PERSONAL_TOKEN_EXPIRING = "personal_token.expiring"  # noqa: S105  # nosec B105
PERSONAL_TOKEN_NEW_ADDRESS = "personal_token.new_address"  # noqa: S105  # nosec B105
EVENT_TYPES = (
    LOGIN_SUCCEEDED,
    LOGIN_FAILED,
    LOGIN_THROTTLED,
    PASSWORD_CHANGED,
    PASSWORD_RESET,
    EMAIL_CHANGE_REQUESTED,
    EMAIL_CHANGED,
    EMAIL_VERIFIED,
    REFRESH_TOKEN_REUSED,
    SESSION_ENDED,
    ALL_SESSIONS_ENDED,
    ACCOUNT_DEACTIVATED,
    ACCOUNT_DELETED,
    CLIENT_CREATED,
    CLIENT_UPDATED,
    CLIENT_DISABLED,
    CLIENT_DELETED,
    CLIENT_SECRET_ROTATED,
    AUTHORIZATION_REVOKED,
    TOTP_ENABLED,
    TOTP_DISABLED,
    RECOVERY_CODE_USED,
    RECOVERY_CODES_REGENERATED,
    SECOND_FACTOR_FAILED,
    PERSONAL_TOKEN_CREATED,
    PERSONAL_TOKEN_REVOKED,
    PERSONAL_TOKEN_LEAKED,
    PERSONAL_TOKEN_EXPIRING,
    PERSONAL_TOKEN_NEW_ADDRESS,
)


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who made the request: recorded with each event and each session."""

    address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, address: str | None, user_agent: str | None, request_id: str | None) -> ClientInfo:
        return cls(
            address=address,
            user_agent=user_agent[:MAX_USER_AGENT_LENGTH] if user_agent else None,
            request_id=request_id[:MAX_REQUEST_ID_LENGTH]
            if request_id and request_id != "-"
            else None,
        )


# Calls made outside a request (tests, start-up): nothing is known of a client.
NO_CLIENT = ClientInfo()


def record(
    session: AsyncSession,
    *,
    type: str,
    user_id: uuid.UUID | None,
    client: ClientInfo,
    session_id: uuid.UUID | None = None,
    client_id: str | None = None,
) -> None:
    """Add the event to the caller's transaction; the caller commits."""
    session.add(
        SecurityEvent(
            type=type,
            user_id=user_id,
            client_address=client.address,
            user_agent=client.user_agent,
            request_id=client.request_id,
            session_id=session_id,
            client_id=client_id,
        )
    )


@dataclass(frozen=True, slots=True)
class EventFilter:
    user_id: uuid.UUID | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.user_id is not None:
            conditions.append(SecurityEvent.user_id == self.user_id)
        if self.type is not None:
            conditions.append(SecurityEvent.type == self.type)
        if self.since is not None:
            conditions.append(SecurityEvent.occurred_at >= self.since)
        if self.until is not None:
            conditions.append(SecurityEvent.occurred_at < self.until)
        return conditions


async def list_events(
    session: AsyncSession, *, where: EventFilter, offset: int, limit: int
) -> tuple[Sequence[SecurityEvent], int]:
    """Newest first, and how many match in all."""
    order = (SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
    return await page_and_total(
        session, SecurityEvent, order=order, where=where.conditions(), offset=offset, limit=limit
    )


async def purge(session: AsyncSession, *, retention: timedelta) -> int:
    result = await session.execute(
        delete(SecurityEvent).where(SecurityEvent.occurred_at < func.now() - retention)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
