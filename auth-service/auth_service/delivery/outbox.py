"""Delivers outbox events until acknowledged: an account's purges (written by
users.delete_user: its notes at notes-service, then its webhook endpoints at
webhooks-service, both idempotent, so a retry repeats both harmlessly) and the
account lifecycle's emails (auth_service.delivery.account_mail).

Claiming: one statement, `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED LIMIT n)`, moves each claimed event's `next_attempt_at` a lease into
the future and commits before any HTTP call. Several replicas may run: SKIP
LOCKED keeps concurrent claims disjoint without waiting, and the lease hides
claimed events from the next polls. We lease rather than hold the row locks
across the HTTP calls so that no transaction (and pool connection) stays open
while notes-service is slow or down.

Delivery is at least once: the event is marked delivered only after
notes-service acknowledged it, in its own transaction. A crash between the two
leaves the event leased but unmarked; when the lease runs out it is claimed
and delivered again, which is harmless since the purge is idempotent. Once
marked, it is never claimed again.

Failures are the failing event's alone: events of a batch are tried side by
side, and whatever one of them raises is recorded against it, never against
the others. A failure that may pass (timeout, refused connection, any answer
but 200; for an email, the SMTP server refusing or unreachable; or an
unexpected error) reschedules the event after an exponential backoff with
jitter, and it is retried until delivered. An event that can never succeed
(UndeliverableEvent: an unknown kind, a malformed payload, an address no mail
system takes) is parked: `failed_at` set, counted in
auth_outbox_events_failed_total, logged, never claimed again. `attempts` and
`last_error` tell an operator why an event is pending or parked.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import KW_ONLY, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, extract, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.delivery import account_mail
from auth_service.delivery.account_mail import AccountMail, MalformedMailEvent
from auth_service.delivery.mail import InvalidRecipient, MailError
from auth_service.delivery.notes_client import NotesClient
from auth_service.delivery.purge_client import PurgeError
from auth_service.delivery.webhooks_client import WebhooksClient
from auth_service.metrics import OUTBOX_FAILED, OUTBOX_OLDEST_AGE, OUTBOX_PENDING
from auth_service.models import (
    USER_DELETED,
    ClientRevocation,
    OutboxEvent,
    SessionRevocation,
    SubjectRevocation,
)
from platform_common.outbox_pacing import OutboxPacing
from platform_common.telemetry import consumer_span

logger = logging.getLogger(__name__)

# Housekeeping: delivered events are kept this long for inspection.
DELIVERED_RETENTION = timedelta(days=7)
HOUSEKEEPING_EVERY_SECONDS = 600.0
# The kinds a metric label may name (anything else is "other": bounded series).
KNOWN_KINDS = account_mail.KINDS | {USER_DELETED}


class UndeliverableEvent(Exception):
    """An event that can never be sent (unknown kind, malformed payload,
    invalid recipient): parked rather than retried."""


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


async def claim_due_events(
    session: AsyncSession, *, limit: int, lease: timedelta
) -> list[ClaimedEvent]:
    due = (
        select(OutboxEvent.id)
        .where(
            OutboxEvent.delivered_at.is_(None),
            OutboxEvent.failed_at.is_(None),
            OutboxEvent.next_attempt_at <= func.now(),
        )
        .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(due.scalar_subquery()))
        .values(attempts=OutboxEvent.attempts + 1, next_attempt_at=func.now() + lease)
        .returning(OutboxEvent.id, OutboxEvent.kind, OutboxEvent.payload, OutboxEvent.attempts)
        .execution_options(synchronize_session=False)
    )
    events = [ClaimedEvent(*row) for row in claimed.all()]
    await session.commit()
    return sorted(events, key=lambda event: event.id)


async def measure_backlog(session: AsyncSession) -> None:
    """Set the backlog gauges: a scan of the pending events only (the partial index's rows)."""
    pending, oldest_age = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(extract("epoch", func.now() - func.min(OutboxEvent.created_at)), 0),
            ).where(OutboxEvent.delivered_at.is_(None), OutboxEvent.failed_at.is_(None))
        )
    ).one()
    await session.commit()
    OUTBOX_PENDING.set(pending)
    OUTBOX_OLDEST_AGE.set(float(oldest_age))


async def mark_delivered(session: AsyncSession, *, event_id: int) -> None:
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None))
        .values(delivered_at=func.now(), last_error=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def schedule_retry(
    session: AsyncSession, *, event_id: int, delay: timedelta, error: str
) -> None:
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None))
        .values(next_attempt_at=func.now() + delay, last_error=error[:1000])
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def park(session: AsyncSession, *, event_id: int, error: str) -> None:
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.delivered_at.is_(None))
        .values(failed_at=func.now(), last_error=error[:1000])
        .execution_options(synchronize_session=False)
    )
    await session.commit()


async def prune(session: AsyncSession, *, revocation_window: timedelta) -> None:
    """Drop long-delivered events and revocations no verifier needs any more."""
    await session.execute(
        delete(OutboxEvent).where(OutboxEvent.delivered_at < func.now() - DELIVERED_RETENTION)
    )
    oldest = func.now() - revocation_window
    await session.execute(delete(SubjectRevocation).where(SubjectRevocation.revoked_at < oldest))
    await session.execute(delete(SessionRevocation).where(SessionRevocation.revoked_at < oldest))
    await session.execute(delete(ClientRevocation).where(ClientRevocation.not_before < oldest))
    await session.commit()


@dataclass
class OutboxDispatcher:
    sessionmaker: async_sessionmaker[AsyncSession]
    notes: NotesClient
    _: KW_ONLY
    pacing: OutboxPacing
    revocation_window: timedelta = timedelta(hours=1)
    mail: AccountMail | None = None
    webhooks: WebhooksClient | None = None

    async def run_once(self) -> int:
        """Claim one batch of due events and try each; how many were claimed."""
        async with self.sessionmaker() as session:
            events = await claim_due_events(
                session, limit=self.pacing.batch_size, lease=self.pacing.lease
            )
            await measure_backlog(session)
        # Concurrently, so that a batch takes one HTTP timeout at worst, well
        # within the lease (the settings insist that the lease is longer).
        # gather, not a TaskGroup: an error escaping one event's processing
        # (its outcome could not be recorded) must not cancel the others.
        outcomes = await asyncio.gather(
            *(self._process_traced(event) for event in events), return_exceptions=True
        )
        for event, outcome in zip(events, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                # Unrecorded: the lease runs out and the event is claimed again.
                logger.error(
                    "outbox event %s (%s): outcome not recorded",
                    event.id,
                    event.kind,
                    exc_info=outcome,
                )
        return len(events)

    async def run_forever(self) -> None:
        """The lifespan's background task; cancel it to stop."""
        loop = asyncio.get_running_loop()
        next_housekeeping = loop.time()
        while True:
            try:
                claimed = await self.run_once()
                if loop.time() >= next_housekeeping:
                    async with self.sessionmaker() as session:
                        await prune(session, revocation_window=self.revocation_window)
                    next_housekeeping = loop.time() + HOUSEKEEPING_EVERY_SECONDS
            except Exception:
                # Postgres down, or a bug: log it and poll again, since a dead
                # task would silently stop every purge until the next restart.
                logger.exception("outbox dispatch failed; retrying")
                claimed = 0
            if claimed < self.pacing.batch_size:  # a full batch: more may be due at once
                await asyncio.sleep(self.pacing.poll_interval)

    async def _process_traced(self, event: ClaimedEvent) -> None:
        # Each delivery is a trace of its own: the purge it sends continues it.
        with consumer_span(f"outbox {event.kind}", **{"outbox.event_id": event.id}):
            await self._process(event)

    async def _process(self, event: ClaimedEvent) -> None:
        try:
            await self._deliver(event)
        except UndeliverableEvent as exc:
            await self._park(event, exc)
        except (PurgeError, MailError) as exc:
            await self._retry_later(event, str(exc))
        except Exception as exc:
            # A bug or a surprise (a library raising what it does not
            # document): the event's own failure, retried like any other.
            logger.exception("outbox event %s (%s) raised", event.id, event.kind)
            await self._retry_later(event, f"{type(exc).__name__}: {exc}")
        else:
            async with self.sessionmaker() as session:
                await mark_delivered(session, event_id=event.id)

    async def _retry_later(self, event: ClaimedEvent, error: str) -> None:
        delay = self.pacing.backoff.delay(event.attempts)
        logger.warning(
            "outbox event %s (%s) attempt %d failed, next in %.1f s: %s",
            event.id,
            event.kind,
            event.attempts,
            delay,
            error,
        )
        async with self.sessionmaker() as session:
            await schedule_retry(
                session, event_id=event.id, delay=timedelta(seconds=delay), error=error
            )

    async def _park(self, event: ClaimedEvent, exc: UndeliverableEvent) -> None:
        logger.error(
            "outbox event %s (%s) can never be delivered, parked: %s", event.id, event.kind, exc
        )
        OUTBOX_FAILED.labels(kind=event.kind if event.kind in KNOWN_KINDS else "other").inc()
        async with self.sessionmaker() as session:
            await park(session, event_id=event.id, error=str(exc))

    async def _deliver(self, event: ClaimedEvent) -> None:
        if event.kind in account_mail.KINDS and self.mail is not None:
            try:
                done = await self.mail.deliver(event.kind, event.payload, event_id=event.id)
            except MalformedMailEvent as exc:
                raise UndeliverableEvent(f"malformed payload: {exc}") from None
            except InvalidRecipient as exc:
                raise UndeliverableEvent(str(exc)) from None
            logger.info("outbox event %s (%s): %s", event.id, event.kind, done)
            return
        if event.kind != USER_DELETED:
            raise UndeliverableEvent(f"unknown event kind {event.kind!r}")
        try:
            user_id = uuid.UUID(str(event.payload["user_id"]))
        except (KeyError, TypeError, ValueError):
            raise UndeliverableEvent(f"malformed payload {event.payload!r}") from None
        deleted = await self.notes.purge_user_notes(user_id)
        logger.info("outbox event %s: purged %d notes of user %s", event.id, deleted, user_id)
        if self.webhooks is not None:
            endpoints = await self.webhooks.purge_user_endpoints(user_id)
            logger.info(
                "outbox event %s: purged %d webhook endpoints of user %s",
                event.id,
                endpoints,
                user_id,
            )
