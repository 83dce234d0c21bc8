"""Notices: emails that tell a person what happened to their account (no
secret in them), queued in the outbox in the transaction of the change
(models.NOTICE_EMAIL; sent by auth_service.delivery.account_mail)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import NOTICE_EMAIL, OutboxEvent


def queue(session: AsyncSession, *, to: str, subject: str, text: str) -> None:
    """Add the notice to the caller's transaction; the caller commits."""
    session.add(
        OutboxEvent(kind=NOTICE_EMAIL, payload={"to": to, "subject": subject, "text": text})
    )
