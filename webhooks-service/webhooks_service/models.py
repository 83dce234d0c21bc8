"""The tables of schema "webhooks": endpoints, the events received, one delivery
per (event, endpoint), and each attempt of a delivery.

A column whose annotation implies its type (uuid, bool, int) names none:
SQLAlchemy maps it to Uuid, Boolean, Integer."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webhooks_service.db import Base

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


class Endpoint(Base):
    __tablename__ = "endpoints"
    # What housekeeping looks for: owners still to be told of a disabling.
    __table_args__ = (
        Index("ix_endpoints_notify_pending", "id", postgresql_where=text("notify_pending")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(index=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), server_default="")
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    # Why the service disabled it ("gone": a 410; "failing": no success for
    # WEBHOOKS_DISABLE_AFTER_SECONDS); None when its owner did, or it is enabled.
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    # Stored as is: signing needs the secret itself, not a hash of it.
    secret: Mapped[str] = mapped_column(String(128))
    # After a rotation, deliveries are signed with both until this expires.
    previous_secret: Mapped[str | None] = mapped_column(String(128))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first failed attempt since the last success.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Disabled by the service and its owner not yet told (webhooks_service.notices).
    notify_pending: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Event(Base):
    """An event as received (from notes-service's outbox, or a test event)."""

    __tablename__ = "events"

    # The publisher's outbox row id: ingest deduplicates on it.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[uuid.UUID] = mapped_column(index=True)
    note_id: Mapped[int | None] = mapped_column(BigInteger)
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The note change's trace context (W3C traceparent): its deliveries continue it.
    traceparent: Mapped[str | None] = mapped_column(String(55))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        # What the workers claim: due and pending.
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
        ),
        # The per-note order: an earlier pending delivery of the note holds back later ones.
        Index(
            "ix_deliveries_note_order",
            "endpoint_id",
            "note_id",
            "sequence",
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_deliveries_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    # Sent as `webhook-id`: the same on every attempt, so receivers can deduplicate.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    note_id: Mapped[int | None] = mapped_column(BigInteger)
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), server_default=PENDING)
    attempts: Mapped[int] = mapped_column(server_default="0")
    # Due at; while an attempt is under way, the end of its lease.
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Loaded only when asked for (the deliveries list); the database deletes them with it.
    history: Mapped[list["Attempt"]] = relationship(
        order_by="Attempt.id", lazy="raise", passive_deletes=True
    )


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int] = mapped_column()
    # delivered, http_error, timeout, connection_error, refused_address, too_many_redirects...
    outcome: Mapped[str] = mapped_column(String(32))
    status_code: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(500))
    response_excerpt: Mapped[str | None] = mapped_column(String(1024))
