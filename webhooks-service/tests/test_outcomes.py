"""Outcomes recorded in batches (webhooks_service.outcomes): one transaction for
what finished together, each delivery's own result kept."""

import asyncio
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.receiver import Receiver
from tests.workers import Workers, a_note, add_endpoint, attempts, publish
from webhooks_service.ingest import ingest_events
from webhooks_service.models import Delivery, Endpoint
from webhooks_service.schemas import IncomingEvent
from webhooks_service.sender import Outcome
from webhooks_service.worker import Job


async def publish_note(
    sessionmaker: async_sessionmaker[AsyncSession], owner: uuid.UUID, note: int, sequences: int
) -> None:
    """The note's changes 1..`sequences`, its id in each event's data."""
    events = [
        IncomingEvent(
            id=uuid.uuid4(),
            type="note.updated",
            owner_id=owner,
            note_id=note,
            sequence=sequence,
            occurred_at=datetime.now(UTC),
            data={"id": note},
        )
        for sequence in range(1, sequences + 1)
    ]
    async with sessionmaker() as session:
        await ingest_events(session, events=events, traceparent=None)


async def states(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[Any, str]:
    async with sessionmaker() as session:
        return {d.endpoint_id: d.state for d in await session.scalars(select(Delivery))}


async def endpoint_of(sessionmaker: async_sessionmaker[AsyncSession], job: Job) -> Endpoint:
    async with sessionmaker() as session:
        stored = await session.get(Endpoint, job.endpoint_id)
        assert stored is not None
        return stored


async def test_outcomes_finished_together_are_written_in_one_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    receiver: Receiver,
    make_worker: Workers,
) -> None:
    endpoint = await add_endpoint(sessionmaker, receiver.url)
    for _ in range(4):
        await publish(sessionmaker, endpoint.owner_id, a_note(), 1)
    worker = make_worker()
    jobs = await worker.claim(8)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await asyncio.gather(
            *(worker.recorder.record(job.finished(Outcome("delivered", 3))) for job in jobs)
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    writes = [s.split(" ")[0] for s in statements if not s.startswith("SET LOCAL")]
    assert writes == ["UPDATE", "INSERT"]
    assert len(await attempts(sessionmaker)) == 4
    assert set((await states(sessionmaker)).values()) == {"delivered"}


async def test_a_mixed_batch_keeps_each_deliverys_result(
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Workers,
) -> None:
    recovering = await add_endpoint(
        sessionmaker, receiver.url, failing_since=datetime.now(UTC) - timedelta(days=1)
    )
    failing = await add_endpoint(sessionmaker, receiver.url)
    gone = await add_endpoint(sessionmaker, receiver.url)
    deleted = await add_endpoint(sessionmaker, receiver.url)
    for endpoint in (recovering, failing, gone, deleted):
        await publish(sessionmaker, endpoint.owner_id, a_note(), 1)
    worker = make_worker(schedule=(60, 60))
    jobs = {job.endpoint_id: job for job in await worker.claim(8)}
    async with sessionmaker() as session:
        # Its endpoint deleted while the delivery was under way.
        await session.execute(delete(Endpoint).where(Endpoint.id == deleted.id))
        await session.commit()
    before = datetime.now(UTC)

    await worker.recorder.write(
        [
            jobs[recovering.id].finished(Outcome("delivered", 5, status_code=204)),
            jobs[failing.id].finished(Outcome("http_error", 5, status_code=500, error="500")),
            jobs[gone.id].finished(Outcome("gone", 5, status_code=410, error="answered 410")),
            jobs[deleted.id].finished(Outcome("delivered", 5, status_code=200)),
        ]
    )

    assert await states(sessionmaker) == {
        recovering.id: "delivered",
        failing.id: "pending",
        gone.id: "failed",
    }
    recorded = {a.delivery_id: (a.outcome, a.status_code) for a in await attempts(sessionmaker)}
    assert recorded == {
        jobs[recovering.id].delivery_id: ("delivered", 204),
        jobs[failing.id].delivery_id: ("http_error", 500),
        jobs[gone.id].delivery_id: ("gone", 410),
    }
    async with sessionmaker() as session:
        retry = await session.scalar(
            select(Delivery.next_attempt_at).where(Delivery.endpoint_id == failing.id)
        )
    assert retry is not None
    assert retry >= before + timedelta(seconds=60 * 0.8)  # the step, less its jitter
    after = {
        e.id: (e.enabled, e.disabled_reason, e.failing_since is not None)
        for e in [await endpoint_of(sessionmaker, jobs[i.id]) for i in (recovering, failing, gone)]
    }
    assert after == {
        recovering.id: (True, None, False),
        failing.id: (True, None, True),
        gone.id: (False, "gone", True),
    }


async def test_each_notes_changes_arrive_in_order_while_outcomes_are_batched(
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Workers,
) -> None:
    endpoint = await add_endpoint(sessionmaker, receiver.url)
    notes = [a_note() for _ in range(6)]
    for note in notes:
        await publish_note(sessionmaker, endpoint.owner_id, note, 4)
    worker = make_worker()
    task = asyncio.create_task(worker.run_forever())
    try:
        async with asyncio.timeout(20):
            # Until every outcome is recorded (a request arrives before its outcome is).
            while len(await attempts(sessionmaker)) < len(notes) * 4:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    arrived: dict[int, list[int]] = defaultdict(list)
    for request in receiver.requests:
        data = json.loads(request.body)["data"]
        arrived[data["id"]].append(data["sequence"])
    assert arrived == {note: [1, 2, 3, 4] for note in notes}
