"""The delivery workers: claim due deliveries, send them, record what came of it.

Claiming takes due pending rows `FOR UPDATE SKIP LOCKED` and leases them
(`next_attempt_at` moved past the send's timeout) in one short transaction, so
any number of replicas share the work without sending one delivery twice, and
no connection is held while sending. A worker killed mid-send leaves its
delivery leased: after the lease another takes it (at least once). Per note
and endpoint, a delivery waits while an earlier one (lower sequence) is pending,
so a receiver gets a note's changes in order even across retries. A claim is
one statement returning all its requests need; outcomes are written in batches
(webhooks_service.outcomes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import KW_ONLY, InitVar, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, Row, String, Uuid, delete, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platform_common.telemetry import PROPAGATOR, consumer_span
from webhooks_service import metrics
from webhooks_service.models import PENDING, Delivery, Endpoint, Event
from webhooks_service.notices import OwnerNotifier
from webhooks_service.outcomes import Finished, OutcomeRecorder
from webhooks_service.retries import RetrySchedule
from webhooks_service.secrets import signature_header
from webhooks_service.sender import Outcome, Sender

logger = logging.getLogger(__name__)

USER_AGENT = "notes-platform-webhooks/1"
# The workers' own transactions (claims, outcomes) do not wait for their WAL
# to reach the disk: a Postgres crash can forget the last of them, and the
# delivery is then sent again (at least once, as after a worker's crash). The
# events themselves are stored durably at ingest.
_ASYNCHRONOUS_COMMIT = text("SET LOCAL synchronous_commit TO OFF")
# One statement: the due rows locked and leased, and with them everything
# their requests need (endpoint and event), so a claim is one round trip.
_CLAIM = text(
    """
    WITH due AS (
        SELECT d.id FROM webhooks.deliveries d
        JOIN webhooks.endpoints p ON p.id = d.endpoint_id AND p.enabled
        WHERE d.state = 'pending' AND d.next_attempt_at <= now()
          AND NOT EXISTS (
            SELECT 1 FROM webhooks.deliveries e
            WHERE e.endpoint_id = d.endpoint_id AND e.note_id = d.note_id
              AND e.state = 'pending' AND e.sequence < d.sequence)
        ORDER BY d.next_attempt_at
        LIMIT :limit
        FOR UPDATE OF d SKIP LOCKED
    ), claimed AS (
        UPDATE webhooks.deliveries d
        SET next_attempt_at = now() + make_interval(secs => :lease), attempts = d.attempts + 1
        FROM due WHERE d.id = due.id
        RETURNING d.id, d.attempts, d.endpoint_id, d.event_id
    )
    SELECT c.id, c.attempts, c.endpoint_id, p.url, p.secret, p.previous_secret,
           p.previous_secret_expires_at, p.failing_since,
           e.type, e.occurred_at, e.data, e.sequence, e.traceparent
    FROM claimed c
    JOIN webhooks.endpoints p ON p.id = c.endpoint_id
    JOIN webhooks.events e ON e.id = c.event_id
    """
).columns(
    id=Uuid(),
    attempts=Integer(),
    endpoint_id=Uuid(),
    url=String(),
    secret=String(),
    previous_secret=String(),
    previous_secret_expires_at=DateTime(timezone=True),
    failing_since=DateTime(timezone=True),
    type=String(),
    occurred_at=DateTime(timezone=True),
    data=JSONB(),
    sequence=BigInteger(),
    traceparent=String(),
)


@dataclass(frozen=True)
class Job:
    """A claimed delivery with what its request needs."""

    delivery_id: uuid.UUID
    attempts: int
    endpoint_id: uuid.UUID
    url: str
    secrets: list[str]
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]
    sequence: int | None
    traceparent: str | None
    # The endpoint was failing when claimed: a success ends its streak.
    failing: bool = False

    def body(self) -> str:
        data = self.data if self.sequence is None else {**self.data, "sequence": self.sequence}
        payload = {"type": self.event_type, "timestamp": self.occurred_at.isoformat(), "data": data}
        return json.dumps(payload, separators=(",", ":"))

    def headers(self, body: str, *, now: datetime) -> dict[str, str]:
        message_id = f"msg_{self.delivery_id.hex}"
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            # The answer is read raw (sender.py): nothing compressed to inflate.
            "accept-encoding": "identity",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature_header(
                self.secrets, message_id=message_id, timestamp=now, body=body
            ),
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        # Inside the delivery's span (when tracing is on): its context replaces the stored one.
        PROPAGATOR.inject(headers)
        return headers

    def finished(self, outcome: Outcome) -> Finished:
        """What the outcome recorder is given for this attempt, ending now."""
        return Finished(
            delivery_id=self.delivery_id,
            endpoint_id=self.endpoint_id,
            attempts=self.attempts,
            outcome=outcome,
            at=datetime.now(UTC),
            failing=self.failing,
        )


@dataclass(eq=False)
class DeliveryWorker:
    sessionmaker: async_sessionmaker[AsyncSession]
    sender: Sender
    schedule: InitVar[RetrySchedule]
    _: KW_ONLY
    concurrency: int
    poll_interval: float
    lease_seconds: float
    disable_after: InitVar[timedelta]
    wake: asyncio.Event
    recorder: OutcomeRecorder = field(init=False)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    def __post_init__(self, schedule: RetrySchedule, disable_after: timedelta) -> None:
        self.recorder = OutcomeRecorder(self.sessionmaker, schedule, disable_after=disable_after)

    async def run_forever(self) -> None:
        try:
            while True:
                await self._step()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _step(self) -> None:
        if len(self._tasks) >= self.concurrency:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            return
        self.wake.clear()
        try:
            jobs = await self.claim(self.concurrency - len(self._tasks))
        except (OSError, TimeoutError, SQLAlchemyError) as exc:
            # The database away: logged, and tried again after a poll.
            logger.warning("claiming deliveries failed: %s", type(exc).__name__)
            jobs = []
        for job in jobs:
            task = asyncio.create_task(self.deliver(job), name=f"delivery-{job.delivery_id}")
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        if not jobs:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_interval)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        # A delivery done may free the next of its note: look again at once.
        self.wake.set()
        if not task.cancelled() and task.exception() is not None:
            logger.error("a delivery failed unexpectedly", exc_info=task.exception())

    async def run_once(self) -> int:
        """Claim and deliver what is due now, waiting for each (tests, tools)."""
        jobs = await self.claim(self.concurrency)
        await asyncio.gather(*(self.deliver(job) for job in jobs))
        return len(jobs)

    async def claim(self, limit: int) -> list[Job]:
        async with self.sessionmaker() as session:
            await session.execute(_ASYNCHRONOUS_COMMIT)
            rows = (
                await session.execute(_CLAIM, {"limit": limit, "lease": self.lease_seconds})
            ).all()
            await session.commit()
        now = datetime.now(UTC)
        return [_job(row, now=now) for row in rows]

    async def deliver(self, job: Job) -> None:
        attributes: dict[str, str | int] = {
            "webhook.delivery_id": str(job.delivery_id),
            "webhook.attempt": job.attempts,
        }
        with consumer_span(f"webhook {job.event_type}", job.traceparent, **attributes):
            body = job.body()
            headers = job.headers(body, now=datetime.now(UTC))
            outcome = await self.sender.send(job.url, headers=headers, body=body.encode())
        metrics.ATTEMPTS.labels(outcome.result).inc()
        metrics.ATTEMPT_SECONDS.observe(outcome.duration_ms / 1000)
        await self.recorder.record(job.finished(outcome))

    async def count_pending(self) -> None:
        """The pending gauges, from the database (every replica counts the same rows)."""
        async with self.sessionmaker() as session:
            row = (
                await session.execute(
                    select(func.count(), func.min(Delivery.created_at))
                    .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
                    .where(Delivery.state == PENDING, Endpoint.enabled)
                )
            ).one()
        metrics.PENDING.set(row[0])
        metrics.OLDEST_PENDING_AGE.set(
            (datetime.now(UTC) - row[1]).total_seconds() if row[1] else 0
        )

    async def tidy(self, retention: timedelta) -> None:
        """Forget finished deliveries (their attempts go with them) older than
        `retention`, then events no delivery refers to: bounded tables."""
        cutoff = datetime.now(UTC) - retention
        async with self.sessionmaker() as session:
            await session.execute(
                delete(Delivery).where(Delivery.state != PENDING, Delivery.finished_at < cutoff)
            )
            await session.execute(
                delete(Event).where(
                    Event.received_at < cutoff,
                    ~select(Delivery.id).where(Delivery.event_id == Event.id).exists(),
                )
            )
            await session.commit()

    async def housekeeping_forever(
        self,
        *,
        retention: timedelta,
        notifier: OwnerNotifier | None = None,
        interval: float = 5.0,
        tidy_every: float = 3600.0,
    ) -> None:
        """The pending gauges and the owners' notices (when a `notifier` is
        given) every `interval`; old deliveries tidied every `tidy_every`."""
        loop = asyncio.get_running_loop()
        next_tidy = loop.time()
        while True:
            try:
                await self.count_pending()
                if notifier is not None:
                    await notifier.run_once()
                if loop.time() >= next_tidy:
                    await self.tidy(retention)
                    next_tidy = loop.time() + tidy_every
            except (OSError, TimeoutError, SQLAlchemyError) as exc:
                logger.warning("webhooks housekeeping failed: %s", type(exc).__name__)
            await asyncio.sleep(interval)


def _job(row: Row[Any], *, now: datetime) -> Job:
    secrets = [row.secret]
    expires = row.previous_secret_expires_at
    if row.previous_secret and expires is not None and expires > now:
        secrets.append(row.previous_secret)
    return Job(
        delivery_id=row.id,
        attempts=row.attempts,
        endpoint_id=row.endpoint_id,
        url=row.url,
        secrets=secrets,
        event_type=row.type,
        occurred_at=row.occurred_at,
        data=row.data,
        sequence=row.sequence,
        traceparent=row.traceparent,
        failing=row.failing_since is not None,
    )
