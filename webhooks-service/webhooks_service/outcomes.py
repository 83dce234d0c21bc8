"""What came of each attempt, written in batches (a group commit).

Each finished delivery waits in a queue; one write at a time takes everything
queued and records it in one transaction with set-based statements: the
deliveries' new state (one UPDATE from arrays), their attempts (one INSERT from
arrays), and the endpoints' failing streaks. Under load, outcomes finishing
while a write is under way form the next batch, so the statements per delivery
fall with the rate instead of staying at three, and no delay is added when idle.

A delivery's slot (the worker's concurrency) is held until its outcome is
written, so a note's next change is claimed only once the previous one is
recorded (per-note order), and a delivery deleted meanwhile (its endpoint, a
purge) is left out of the batch's attempts.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from webhooks_service import metrics
from webhooks_service.models import DELIVERED, FAILED, PENDING, Endpoint
from webhooks_service.retries import RetrySchedule
from webhooks_service.sender import Outcome

logger = logging.getLogger(__name__)

# As the claims (worker.py): losing the last of these in a Postgres crash only
# sends a delivery again.
_ASYNCHRONOUS_COMMIT = text("SET LOCAL synchronous_commit TO OFF")
# Only still-pending rows: a delivery deleted or finished meanwhile is not returned.
_MARK = text(
    """
    UPDATE webhooks.deliveries d
    SET state = v.state, finished_at = v.finished_at,
        next_attempt_at = coalesce(v.next_attempt_at, d.next_attempt_at)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:states AS text[]),
                CAST(:finished AS timestamptz[]), CAST(:due AS timestamptz[]))
         AS v(id, state, finished_at, next_attempt_at)
    WHERE d.id = v.id AND d.state = 'pending'
    RETURNING d.id
    """
)
_ATTEMPTS = text(
    """
    INSERT INTO webhooks.attempts
        (delivery_id, attempted_at, duration_ms, outcome, status_code, error, response_excerpt)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:attempted AS timestamptz[]),
                         CAST(:durations AS integer[]), CAST(:outcomes AS text[]),
                         CAST(:codes AS integer[]), CAST(:errors AS text[]),
                         CAST(:excerpts AS text[]))
    """
)


@dataclass(frozen=True)
class Finished:
    """One attempt's outcome, to record."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempts: int
    outcome: Outcome
    at: datetime
    # The endpoint was failing when the delivery was claimed: a success ends its streak.
    failing: bool


@dataclass(eq=False)
class OutcomeRecorder:
    sessionmaker: async_sessionmaker[AsyncSession]
    schedule: RetrySchedule
    _: KW_ONLY
    disable_after: timedelta
    _queue: list[tuple[Finished, asyncio.Future[None]]] = field(init=False, default_factory=list)
    _writer: asyncio.Task[None] | None = field(init=False, default=None)

    async def record(self, finished: Finished) -> None:
        """Returns once the outcome is written (raises if its batch's write failed)."""
        done = asyncio.get_running_loop().create_future()
        self._queue.append((finished, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(), name="record-outcomes")
        await done

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await self.write([finished for finished, _ in batch])
            # Any failure, relayed: each waiting delivery raises it (worker.py logs it).
            except Exception as exc:  # noqa: BLE001
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def write(self, batch: list[Finished]) -> None:
        """Record `batch` in one transaction (deliveries gone meanwhile skipped)."""
        async with self.sessionmaker() as session:
            await session.execute(_ASYNCHRONOUS_COMMIT)
            marked = set(await session.scalars(_MARK, self._marks(batch)))
            recorded = [finished for finished in batch if finished.delivery_id in marked]
            if recorded:
                await session.execute(_ATTEMPTS, _attempt_rows(recorded))
                await self._judge_endpoints(session, recorded)
            await session.commit()

    def _marks(self, batch: list[Finished]) -> dict[str, list[object]]:
        columns: dict[str, list[object]] = {"ids": [], "states": [], "finished": [], "due": []}
        for finished in batch:
            outcome = finished.outcome
            delay = None
            if not outcome.delivered and outcome.result != "gone":
                delay = self.schedule.delay(finished.attempts, retry_after=outcome.retry_after)
            if outcome.delivered:
                state, due = DELIVERED, None
            elif delay is None:
                state, due = FAILED, None
            else:
                state, due = PENDING, finished.at + timedelta(seconds=delay)
            columns["ids"].append(finished.delivery_id)
            columns["states"].append(state)
            columns["finished"].append(None if state == PENDING else finished.at)
            columns["due"].append(due)
        return columns

    async def _judge_endpoints(self, session: AsyncSession, batch: list[Finished]) -> None:
        """Successes first end their endpoints' failing streaks; then each endpoint
        with a failure in the batch is judged once (a 410 among them: "gone")."""
        endpoint = Endpoint.__table__
        streaks_ended = sorted({f.endpoint_id for f in batch if f.outcome.delivered and f.failing})
        if streaks_ended:
            await session.execute(
                update(Endpoint)
                .where(endpoint.c.id.in_(streaks_ended), endpoint.c.failing_since.is_not(None))
                .values(failing_since=None)
            )
        gone: dict[uuid.UUID, bool] = {}
        for f in batch:
            if not f.outcome.delivered:
                gone[f.endpoint_id] = gone.get(f.endpoint_id, False) or f.outcome.result == "gone"
        # In id order: two writers (replicas) lock shared endpoints in the same order.
        for endpoint_id in sorted(gone):
            await self._judge_failing(
                session, endpoint_id, gone=gone[endpoint_id], now=datetime.now(UTC)
            )

    async def _judge_failing(
        self, session: AsyncSession, endpoint_id: uuid.UUID, *, gone: bool, now: datetime
    ) -> None:
        """A 410, or failing since longer than `disable_after`, disables the endpoint."""
        endpoint = Endpoint.__table__
        failing_since = await session.scalar(
            update(Endpoint)
            .where(endpoint.c.id == endpoint_id)
            .values(failing_since=func.coalesce(endpoint.c.failing_since, now))
            .returning(endpoint.c.failing_since)
        )
        reason = None
        if gone:
            reason = "gone"
        elif failing_since is not None and now - failing_since >= self.disable_after:
            reason = "failing"
        if reason is None:
            return
        disabled = await session.scalar(
            update(Endpoint)
            .where(endpoint.c.id == endpoint_id, endpoint.c.enabled)
            .values(enabled=False, disabled_reason=reason, notify_pending=True, updated_at=now)
            .returning(endpoint.c.owner_id)
        )
        if disabled is not None:
            metrics.ENDPOINTS_DISABLED.labels(reason).inc()
            logger.warning("endpoint %s disabled: %s", endpoint_id, reason)


def _attempt_rows(batch: list[Finished]) -> dict[str, list[object]]:
    return {
        "ids": [f.delivery_id for f in batch],
        "attempted": [f.at - timedelta(milliseconds=f.outcome.duration_ms) for f in batch],
        "durations": [f.outcome.duration_ms for f in batch],
        "outcomes": [f.outcome.result for f in batch],
        "codes": [f.outcome.status_code for f in batch],
        "errors": [f.outcome.error for f in batch],
        "excerpts": [f.outcome.excerpt for f in batch],
    }
