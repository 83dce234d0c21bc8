"""The emails of the account lifecycle, as the outbox dispatcher sends them.

The events (models.PASSWORD_RESET_EMAIL, VERIFICATION_EMAIL, NOTICE_EMAIL)
are written in the transaction of the change that causes them. A reset or
verification token is made here, when its email is sent: the outbox row
never holds a secret, and the token table holds its hash only. If sending
fails, the next attempt makes a new token, which supersedes the unsent one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import KW_ONLY, dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.accounts import account_tokens
from auth_service.accounts.recovery import RecoveryPolicy
from auth_service.delivery.mail import Mailer, compose
from auth_service.models import (
    NOTICE_EMAIL,
    PASSWORD_RESET,
    PASSWORD_RESET_EMAIL,
    VERIFICATION_EMAIL,
    VERIFY_EMAIL,
    User,
)

logger = logging.getLogger(__name__)
KINDS = frozenset({PASSWORD_RESET_EMAIL, VERIFICATION_EMAIL, NOTICE_EMAIL})


class MalformedMailEvent(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class MailTemplates:
    sender: str
    public_url: str  # the gateway, as clients reach it

    def password_reset(self, *, to: str, token: str, minutes: int) -> EmailMessage:
        return compose(
            sender=self.sender,
            to=to,
            subject="Reset your notes-platform password",
            text=(
                "Someone (hopefully you) asked to reset the password of this account.\n\n"
                f"Your reset token, valid for {minutes} minutes and usable once:\n\n"
                f"    {token}\n\n"
                "Send it with your new password:\n\n"
                f"    POST {self.public_url}/auth/password-reset/confirm\n"
                f'    {{"token": "{token}", "new_password": "..."}}\n\n'
                "Every session of the account ends when the password changes.\n"
                "If you did not ask for this, ignore this message.\n"
            ),
        )

    def verification(self, *, to: str, token: str, change: bool) -> EmailMessage:
        why = (
            "This address was given as the new address of a notes-platform account; "
            "it replaces the old one once confirmed."
            if change
            else "Confirm that this address belongs to your notes-platform account."
        )
        return compose(
            sender=self.sender,
            to=to,
            subject="Confirm your email address",
            text=(
                f"{why}\n\nYour verification token:\n\n    {token}\n\n"
                f"    POST {self.public_url}/auth/verify\n"
                f'    {{"token": "{token}"}}\n'
            ),
        )


@dataclass(eq=False)
class AccountMail:
    """Delivers the lifecycle's outbox events through a Mailer."""

    sessionmaker: async_sessionmaker[AsyncSession]
    mailer: Mailer
    _: KW_ONLY
    templates: MailTemplates
    policy: RecoveryPolicy

    async def deliver(self, kind: str, payload: dict[str, Any], *, event_id: int) -> str:
        """Send the event's email (MailError to retry later); what was done, for the log."""
        if kind == NOTICE_EMAIL:
            try:
                to, subject, text = (str(payload[k]) for k in ("to", "subject", "text"))
            except KeyError:
                raise MalformedMailEvent("notice without to/subject/text") from None
            await self.mailer.send(
                compose(sender=self.templates.sender, to=to, subject=subject, text=text)
            )
            return "notice sent"
        user_id = _user_id(payload)
        if user_id is None:
            # A reset asked for an address with no account: nothing to send.
            return "no account, nothing sent"
        if kind == PASSWORD_RESET_EMAIL:
            return await self._password_reset(user_id, event_id)
        email = payload.get("email")
        if not isinstance(email, str):
            raise MalformedMailEvent("verification without an address")
        return await self._verification(user_id, email, event_id)

    async def _password_reset(self, user_id: uuid.UUID, event_id: int) -> str:
        async with self.sessionmaker() as session:
            # Locked: two emails of one account issued at once (one batch of
            # the dispatcher) take turns, so the later one supersedes the other.
            user = await session.get(User, user_id, with_for_update=True)
            if user is None or not user.is_active:
                return "account gone or disabled, nothing sent"
            if not await account_tokens.still_wanted(session, event_id=event_id):
                return "superseded, nothing sent"
            token = await account_tokens.issue(
                session, user=user, purpose=PASSWORD_RESET, lifetime=self.policy.reset_lifetime
            )
            to = user.email
            await session.commit()
        minutes = int(self.policy.reset_lifetime.total_seconds() // 60)
        await self.mailer.send(self.templates.password_reset(to=to, token=token, minutes=minutes))
        return "password reset sent"

    async def _verification(self, user_id: uuid.UUID, email: str, event_id: int) -> str:
        async with self.sessionmaker() as session:
            # Locked: two emails of one account issued at once (one batch of
            # the dispatcher) take turns, so the later one supersedes the other.
            user = await session.get(User, user_id, with_for_update=True)
            if user is None or not user.is_active:
                return "account gone or disabled, nothing sent"
            if user.email == email and user.is_verified:
                return "already verified, nothing sent"
            if not await account_tokens.still_wanted(session, event_id=event_id):
                return "superseded, nothing sent"
            token = await account_tokens.issue(
                session,
                user=user,
                purpose=VERIFY_EMAIL,
                lifetime=self.policy.verification_lifetime,
                email=email,
            )
            change = user.email != email
            await session.commit()
        await self.mailer.send(self.templates.verification(to=email, token=token, change=change))
        return "verification sent"


def _user_id(payload: dict[str, Any]) -> uuid.UUID | None:
    value = payload.get("user_id")
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise MalformedMailEvent("malformed user_id") from None
