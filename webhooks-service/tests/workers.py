"""What the worker tests share: workers on the test database, endpoints and
published events to deliver, and what was recorded; `Rig` holds them together."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.receiver import Receiver
from webhooks_service.addresses import AddressPolicy
from webhooks_service.ingest import ingest_events
from webhooks_service.models import Attempt, Delivery, Endpoint
from webhooks_service.retries import RetrySchedule
from webhooks_service.schemas import IncomingEvent
from webhooks_service.secrets import new_secret
from webhooks_service.sender import Sender
from webhooks_service.worker import DeliveryWorker

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def a_note() -> int:
    """A note id (notes-service's ids are positive bigints)."""
    return secrets.randbelow(2**62) + 1


async def add_endpoint(
    sessionmaker: async_sessionmaker[AsyncSession], url: str, **fields: Any
) -> Endpoint:
    async with sessionmaker() as session:
        endpoint = Endpoint(
            id=uuid.uuid4(),
            owner_id=fields.pop("owner_id", uuid.uuid4()),
            url=url,
            event_types=["note.created", "note.updated", "note.deleted"],
            secret=new_secret(),
            **fields,
        )
        session.add(endpoint)
        await session.commit()
        return endpoint


async def publish(
    sessionmaker: async_sessionmaker[AsyncSession],
    owner: uuid.UUID,
    note: int,
    *sequences: int,
) -> None:
    events = [
        IncomingEvent(
            id=uuid.uuid4(),
            type="note.created" if sequence == 1 else "note.updated",
            owner_id=owner,
            note_id=note,
            sequence=sequence,
            occurred_at=datetime.now(UTC),
            data={"id": 1, "title": f"v{sequence}", "description": "abc"},
        )
        for sequence in sequences
    ]
    async with sessionmaker() as session:
        await ingest_events(session, events=events, traceparent=TRACEPARENT)


async def attempts(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Attempt]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(Attempt).order_by(Attempt.id)))


async def only_delivery(sessionmaker: async_sessionmaker[AsyncSession]) -> Delivery:
    async with sessionmaker() as session:
        return (await session.scalars(select(Delivery))).one()


class Workers:
    """Makes workers on the test database; their HTTP clients closed after the test."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.senders: list[Sender] = []

    def __call__(
        self,
        *,
        addresses: AddressPolicy | None = None,
        schedule: tuple[float, ...] = (0, 0, 0),
        lease_seconds: float = 30,
    ) -> DeliveryWorker:
        sender = Sender(addresses or AddressPolicy(allowed_hosts=["127.0.0.1"]), timeout=5)
        self.senders.append(sender)
        return DeliveryWorker(
            self.sessionmaker,
            sender,
            RetrySchedule(schedule),
            concurrency=8,
            poll_interval=0.05,
            lease_seconds=lease_seconds,
            disable_after=timedelta(days=5),
            wake=asyncio.Event(),
        )


@dataclass
class Rig:
    """What a delivery test works with: the test database, a receiver, and
    workers on that database."""

    sessionmaker: async_sessionmaker[AsyncSession]
    receiver: Receiver
    make_worker: Workers

    async def endpoint(self, **fields: Any) -> Endpoint:
        """An endpoint at the receiver."""
        return await add_endpoint(self.sessionmaker, self.receiver.url, **fields)

    async def published(self, *sequences: int, **fields: Any) -> Endpoint:
        """An endpoint at the receiver, and a new note's changes `sequences` for it."""
        endpoint = await self.endpoint(**fields)
        await publish(self.sessionmaker, endpoint.owner_id, a_note(), *sequences)
        return endpoint

    async def stored(self, endpoint: Endpoint) -> Endpoint:
        """The endpoint as the database has it now."""
        async with self.sessionmaker() as session:
            stored = await session.get(Endpoint, endpoint.id)
        assert stored is not None
        return stored
