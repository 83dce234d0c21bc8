import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from notes_service.db import Base


class Note(Base):
    __tablename__ = "notes"
    # A user's page is "WHERE owner_id = ? ORDER BY id": this index serves both
    # the filter and the order, so the page costs the same at any table size.
    __table_args__ = (Index("ix_notes_owner_id_id", "owner_id", "id"),)

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


class DeletedOwner(Base):
    """An account whose notes were purged: no note is ever written for it again.

    Tokens of a deleted account stay valid for up to one revocation poll; this
    row is what refuses their writes meanwhile (service.purge_user_notes).
    """

    __tablename__ = "deleted_owners"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
