"""outbox events and subject revocations

Revision ID: 185b382b7877
Revises: b21b09b5be7c
Create Date: 2026-11-21 21:19:00.950358
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "185b382b7877"
down_revision: str | None = "b21b09b5be7c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        schema="auth",
    )
    op.create_index(
        "ix_outbox_events_due",
        "outbox_events",
        ["next_attempt_at"],
        unique=False,
        schema="auth",
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_table(
        "subject_revocations",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_subject_revocations")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_auth_subject_revocations_revoked_at"),
        "subject_revocations",
        ["revoked_at"],
        unique=False,
        schema="auth",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_auth_subject_revocations_revoked_at"),
        table_name="subject_revocations",
        schema="auth",
    )
    op.drop_table("subject_revocations", schema="auth")
    op.drop_index(
        "ix_outbox_events_due",
        table_name="outbox_events",
        schema="auth",
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.drop_table("outbox_events", schema="auth")
