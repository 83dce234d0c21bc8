import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from notes_service.db import Base

# Full-text search uses the `simple` configuration: notes are written in any
# language, and `simple` lower-cases words without an English stemmer that
# would mangle the others. A search matches whole words (or prefixes written
# `word:*` is not offered: websearch syntax only).
SEARCH_CONFIG = "simple"
SEARCH_VECTOR_SQL = f"to_tsvector('{SEARCH_CONFIG}', title || ' ' || description)"


class Note(Base):
    __tablename__ = "notes"
    # A user's page is "WHERE owner_id = ? ORDER BY <key>, id": each index
    # serves both the filter and one order (either direction), so a page, and
    # a keyset (cursor) page anywhere in the list, costs the same at any table
    # size. The GIN index serves `q` (full-text search).
    __table_args__ = (
        Index("ix_notes_owner_id_id", "owner_id", "id"),
        Index("ix_notes_owner_id_created_date_id", "owner_id", "created_date", "id"),
        Index("ix_notes_owner_id_updated_date_id", "owner_id", "updated_date", "id"),
        Index("ix_notes_owner_id_title_id", "owner_id", "title", "id"),
        Index("ix_notes_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(String(50))
    created_date: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_date: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Bumped by every write in the same UPDATE: the ETag. A timestamp could
    # repeat within one transaction's now(); a counter cannot.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # Stored, so a search reads it instead of parsing every note again.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True), deferred=True
    )


class DeletedOwner(Base):
    """An account whose notes were purged: no note is ever written for it again.

    Tokens of a deleted account stay valid for up to one revocation poll; this
    row is what refuses their writes meanwhile (service.purge_user_notes).
    """

    __tablename__ = "deleted_owners"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IdempotencyKey(Base):
    """The first answer to a `POST /notes/` carrying an `Idempotency-Key`, replayed to retries.

    A row is written in the transaction that creates the note, so every row is
    a finished answer; a request still being processed holds an advisory lock
    instead (service.create_note_once).
    """

    __tablename__ = "idempotency_keys"
    # Expired rows are purged a few at a time by later keyed requests.
    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of the validated body: "the same request" is the same note data.
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    etag: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxEvent(Base):
    """A note change not yet acknowledged by webhooks-service (notes_service.publisher).

    Written in the transaction of the change (service.py), so an event exists
    exactly when its change committed; deleted once webhooks-service answers
    200 to a batch holding it. `sequence` orders one note's events: the
    note's `version` after the write (the row lock of the write makes it
    unique), one more for its deletion.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        # The publisher's claim: the due events, oldest first.
        Index("ix_outbox_events_next_attempt_at", "next_attempt_at"),
        # The account purge drops its owner's unsent events.
        Index("ix_outbox_events_owner_id", "owner_id"),
    )

    # The event's id in the payload: webhooks-service deduplicates on it.
    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, server_default=func.gen_random_uuid()
    )
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    note_id: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer)
    # The clock, not the transaction's start (now()): of two writes of one
    # note, the second waited for the first's row lock, so its event's time
    # follows the first's as its sequence does.
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    # The note as the API answered it (note.deleted: its id only).
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # W3C trace context of the request that made the change: the delivery continues it.
    traceparent: Mapped[str | None] = mapped_column(String(256))
    tracestate: Mapped[str | None] = mapped_column(String(512))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
