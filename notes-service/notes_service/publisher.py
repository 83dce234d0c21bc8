"""Sends the outbox's note changes to webhooks-service until acknowledged.

A background task in each process (main.py's lifespan, when
NOTES_WEBHOOKS_URL is set), in the way of auth-service's outbox dispatcher:

- **Claiming**: one statement (repository.claim_events), `UPDATE ... WHERE id
  IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)`, moves each claimed event's
  next attempt a lease into the future and commits before any HTTP call.
  Publishers of several replicas skip each other's rows instead of waiting,
  and the lease hides claimed rows from their next polls, so the normal case
  sends each event once; no transaction stays open while webhooks-service is
  slow.
- **At least once**: a row is deleted only after webhooks-service answered
  200 to a call that carried it. A crash between the two leaves it leased;
  once the lease has passed it is claimed and sent again, which
  webhooks-service deduplicates by the event's id.
- **Failures**: any other outcome (refused, timeout, an error answer, no
  service token) reschedules the call's events after an exponential backoff
  with jitter, and this publisher pauses as long before claiming more, so a
  webhooks-service that is down is not hammered through the whole backlog.
- **Batches**: a claimed batch goes in one call, whatever requests made its
  changes: each event carries its own trace context (`traceparent`), which
  its deliveries continue. A call per trace context instead made one call
  (and one ingest transaction) per change under load, as every request has
  its own trace.
- **Latency**: a transaction of this process that wrote events wakes the
  publisher at once (Database.events_committed); others' are found by the
  poll, every NOTES_OUTBOX_POLL_INTERVAL_SECONDS.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import KW_ONLY, dataclass
from datetime import timedelta

from notes_service import repository
from notes_service.metrics import OUTBOX_CALLS, OUTBOX_OLDEST_AGE, OUTBOX_PENDING, OUTBOX_PUBLISHED
from notes_service.repository import ClaimedEvent, Database
from notes_service.webhooks_client import WebhooksClient, WebhooksError
from platform_common import telemetry
from platform_common.outbox_pacing import OutboxPacing

logger = logging.getLogger(__name__)

# The backlog gauges are counted at most this often: a count scans every pending row.
MEASURE_EVERY_SECONDS = 5.0


@dataclass(eq=False)
class Publisher:
    db: Database
    webhooks: WebhooksClient
    _: KW_ONLY
    pacing: OutboxPacing

    async def run_once(self) -> tuple[int, float]:
        """Claim a batch and send it: (events claimed, seconds to pause: 0 unless a call failed)."""
        events = await repository.claim_events(
            self.db, limit=self.pacing.batch_size, lease=self.pacing.lease
        )
        if not events:
            return 0, 0.0
        try:
            pause = await self._send(events)
        except Exception:
            # Unrecorded: the lease runs out and the events are claimed again.
            logger.exception("outbox: a call's outcome was not recorded")
            pause = self.pacing.poll_interval
        return len(events), pause

    async def measure(self) -> None:
        pending, oldest_age = await repository.outbox_backlog(self.db)
        OUTBOX_PENDING.set(pending)
        OUTBOX_OLDEST_AGE.set(oldest_age)

    async def run_forever(self) -> None:
        """The lifespan's background task; cancel it to stop."""
        loop = asyncio.get_running_loop()
        next_measure = loop.time()
        while True:
            try:
                claimed, pause = await self.run_once()
                if loop.time() >= next_measure:
                    await self.measure()
                    next_measure = loop.time() + MEASURE_EVERY_SECONDS
            except Exception:
                # Postgres away, or a bug: log it and go on, since a dead task
                # would stop every event until the next restart.
                logger.exception("outbox publishing failed; retrying")
                claimed, pause = 0, self.pacing.poll_interval
            if pause:
                await asyncio.sleep(pause)
            elif claimed < self.pacing.batch_size:  # a full batch: more may be due at once
                await self._wait_for_events()

    async def _wait_for_events(self) -> None:
        """Until this process commits events, or the poll interval has passed."""
        committed = self.db.events_committed
        try:
            async with asyncio.timeout(self.pacing.poll_interval):
                await committed.wait()
        except TimeoutError:
            pass
        committed.clear()

    async def _send(self, events: list[ClaimedEvent]) -> float:
        """One call; the pause it asks for (0 when acknowledged)."""
        # A trace of its own (traced): the events' traces go in their bodies.
        with telemetry.continued_span("outbox publish", None, **{"outbox.events": len(events)}):
            try:
                acknowledged = await self.webhooks.publish(events)
            except WebhooksError as exc:
                return await self._retry_later(events, str(exc))
            except Exception as exc:
                # A bug or a surprise: this call's failure, retried like any other.
                logger.exception("outbox: publishing %d events raised", len(events))
                return await self._retry_later(events, f"{type(exc).__name__}: {exc}")
        OUTBOX_CALLS.labels(outcome="ok").inc()
        await repository.forget_events(self.db, [event.id for event in events])
        OUTBOX_PUBLISHED.inc(len(events))
        logger.debug(
            "outbox: %d events sent (%d new, %d already known)",
            len(events),
            acknowledged.accepted,
            acknowledged.duplicates,
        )
        return 0.0

    async def _retry_later(self, events: list[ClaimedEvent], error: str) -> float:
        OUTBOX_CALLS.labels(outcome="error").inc()
        attempts = max(event.attempts for event in events)
        delay = self.pacing.backoff.delay(attempts)
        logger.warning(
            "outbox: %d events, attempt %d failed, next in %.1f s: %s",
            len(events),
            attempts,
            delay,
            error,
        )
        ids = [event.id for event in events]
        await repository.reschedule_events(
            self.db, ids, delay=timedelta(seconds=delay), error=error
        )
        return delay
