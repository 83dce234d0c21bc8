"""Events in (notes-service's publisher) and an account's endpoints out (the purge)."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from webhooks_service.models import Delivery, Endpoint, Event
from webhooks_service.schemas import IncomingEvent, IngestResult


async def ingest_events(
    session: AsyncSession, *, events: Sequence[IncomingEvent], traceparent: str | None
) -> IngestResult:
    """Store the events not seen before and fan each out to its owner's enabled
    endpoints subscribed to its type, in one transaction: an acknowledged event
    has all its deliveries, and a batch sent again adds nothing. An event's
    trace context is its own, else the call's (`traceparent`)."""
    if not events:
        return IngestResult(accepted=0, duplicates=0)
    rows = [
        {
            "id": event.id,
            "type": event.type,
            "owner_id": event.owner_id,
            "note_id": event.note_id,
            "sequence": event.sequence,
            "occurred_at": event.occurred_at,
            "data": event.data,
            # A batch carries the changes of many requests, each with its own trace.
            "traceparent": event.traceparent or traceparent,
        }
        for event in events
    ]
    new_ids = list(
        await session.scalars(
            insert(Event).values(rows).on_conflict_do_nothing().returning(Event.id)
        )
    )
    if new_ids:
        await fan_out(session, new_ids)
    await session.commit()
    return IngestResult(accepted=len(new_ids), duplicates=len(events) - len(new_ids))


async def fan_out(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> None:
    """A pending delivery of each event to each of its owner's endpoints that takes it."""
    matches = (
        select(func.gen_random_uuid(), Event.id, Endpoint.id, Event.note_id, Event.sequence)
        .join(Endpoint, Endpoint.owner_id == Event.owner_id)
        .where(
            Event.id.in_(event_ids),
            Endpoint.enabled,
            Event.type == func.any(Endpoint.event_types),
        )
    )
    await session.execute(
        insert(Delivery)
        .from_select(["id", "event_id", "endpoint_id", "note_id", "sequence"], matches)
        .on_conflict_do_nothing()
    )


async def purge_user_endpoints(session: AsyncSession, *, owner_id: uuid.UUID) -> int:
    """Delete a deleted account's endpoints (their deliveries and attempts go
    with them) and its events; idempotent."""
    deleted = await session.scalars(
        delete(Endpoint).where(Endpoint.owner_id == owner_id).returning(Endpoint.id)
    )
    count = len(deleted.all())
    await session.execute(delete(Event).where(Event.owner_id == owner_id))
    await session.commit()
    return count
