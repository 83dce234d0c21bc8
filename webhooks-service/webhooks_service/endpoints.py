"""A person's endpoints: create, read, change, delete, rotate the secret, test;
and their deliveries (listed, retried). Every function takes the owner: another
person's endpoint is not found."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from webhooks_service.addresses import AddressPolicy
from webhooks_service.errors import (
    DeliveryNotFound,
    EndpointDisabled,
    EndpointNotFound,
    TooManyEndpoints,
)
from webhooks_service.models import PENDING, Delivery, Endpoint, Event
from webhooks_service.schemas import TEST_EVENT_TYPE, EndpointCreate, EndpointUpdate
from webhooks_service.secrets import new_secret

RowT = TypeVar("RowT", Endpoint, Delivery)


async def create_endpoint(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    data: EndpointCreate,
    addresses: AddressPolicy,
    limit: int,
) -> Endpoint:
    await addresses.resolve(data.url)
    # One person's creations queue here, so two at once cannot both pass the limit.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(str(owner_id), 0)))
    )
    count = await session.scalar(
        select(func.count()).select_from(Endpoint).where(Endpoint.owner_id == owner_id)
    )
    if (count or 0) >= limit:
        raise TooManyEndpoints(limit)
    endpoint = Endpoint(
        id=uuid.uuid4(),
        owner_id=owner_id,
        url=data.url,
        event_types=list(dict.fromkeys(data.event_types)),
        description=data.description,
        enabled=data.enabled,
        secret=new_secret(),
    )
    session.add(endpoint)
    return await _saved(session, endpoint)


async def list_endpoints(session: AsyncSession, *, owner_id: uuid.UUID) -> Sequence[Endpoint]:
    result = await session.scalars(
        select(Endpoint)
        .where(Endpoint.owner_id == owner_id)
        .order_by(Endpoint.created_at, Endpoint.id)
    )
    return result.all()


async def get_endpoint(
    session: AsyncSession, *, owner_id: uuid.UUID, endpoint_id: uuid.UUID, lock: bool = False
) -> Endpoint:
    query = select(Endpoint).where(Endpoint.id == endpoint_id, Endpoint.owner_id == owner_id)
    endpoint = await session.scalar(query.with_for_update() if lock else query)
    if endpoint is None:
        raise EndpointNotFound
    return endpoint


async def _enabled_endpoint(
    session: AsyncSession, *, owner_id: uuid.UUID, endpoint_id: uuid.UUID
) -> Endpoint:
    """The owner's endpoint, which must be enabled to be sent to (EndpointDisabled)."""
    endpoint = await get_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id)
    if not endpoint.enabled:
        raise EndpointDisabled
    return endpoint


async def _saved(session: AsyncSession, row: RowT) -> RowT:
    """Commit, then `row` reloaded as the database stored it."""
    await session.commit()
    await session.refresh(row)
    return row


async def update_endpoint(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    data: EndpointUpdate,
    addresses: AddressPolicy,
) -> Endpoint:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "url" in changes:
        await addresses.resolve(changes["url"])
    endpoint = await get_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id, lock=True)
    if "event_types" in changes:
        changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
    if changes.get("enabled") is True or changes.get("enabled") is False:
        # Enabled again by its owner: the service's reason and the failure clock start over.
        endpoint.disabled_reason = None
        endpoint.failing_since = None
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.updated_at = datetime.now(UTC)
    return await _saved(session, endpoint)


async def delete_endpoint(
    session: AsyncSession, *, owner_id: uuid.UUID, endpoint_id: uuid.UUID
) -> None:
    endpoint = await get_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id, lock=True)
    await session.delete(endpoint)
    await session.commit()


async def rotate_secret(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    overlap: timedelta,
) -> Endpoint:
    """A new secret; the current one goes on signing beside it for `overlap`
    (a rotation during an overlap ends the older one at once)."""
    endpoint = await get_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id, lock=True)
    now = datetime.now(UTC)
    if overlap:
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + overlap
    else:
        endpoint.previous_secret = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    return await _saved(session, endpoint)


async def send_test_event(
    session: AsyncSession, *, owner_id: uuid.UUID, endpoint_id: uuid.UUID
) -> Delivery:
    """A `webhook.test` event, delivered to this endpoint alone like any other."""
    endpoint = await _enabled_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id)
    now = datetime.now(UTC)
    event = Event(
        id=uuid.uuid4(),
        type=TEST_EVENT_TYPE,
        owner_id=owner_id,
        occurred_at=now,
        data={"endpoint_id": str(endpoint.id)},
    )
    delivery = Delivery(id=uuid.uuid4(), event_id=event.id, endpoint_id=endpoint.id)
    session.add(event)
    await session.flush()
    session.add(delivery)
    return await _saved(session, delivery)


async def list_deliveries(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    limit: int,
    before: datetime | None = None,
) -> Sequence[tuple[Delivery, str]]:
    """The endpoint's latest deliveries, newest first, with their event's type."""
    await get_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id)
    query = (
        select(Delivery, Event.type)
        .join(Event, Event.id == Delivery.event_id)
        .where(Delivery.endpoint_id == endpoint_id)
        .options(selectinload(Delivery.history))
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Delivery.created_at < before)
    rows = await session.execute(query)
    return [(row[0], row[1]) for row in rows]


async def retry_delivery(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> Delivery:
    """Due again now, whatever its state: once more for a delivered one (the
    receiver may deduplicate on its webhook-id), a failed one retried."""
    await _enabled_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id)
    delivery = await session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.endpoint_id == endpoint_id)
        .with_for_update()
    )
    if delivery is None:
        raise DeliveryNotFound
    delivery.state = PENDING
    delivery.next_attempt_at = datetime.now(UTC)
    delivery.finished_at = None
    return await _saved(session, delivery)
