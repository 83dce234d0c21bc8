"""outbox events and subject revocations"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from platform_common import migration_helpers as helpers

revision: str = "185b382b7877"
down_revision: str | None = "b21b09b5be7c"


def upgrade() -> None:
    helpers.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        helpers.timestamp("created_at", now=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        helpers.timestamp("next_attempt_at", now=True),
        helpers.timestamp("delivered_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
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
    user_id = sa.Column("user_id", sa.Uuid(), nullable=False)
    helpers.create_revocation_table("auth", "subject_revocations", user_id, "revoked_at")


def downgrade() -> None:
    helpers.drop_revocation_table("auth", "subject_revocations", "revoked_at")
    op.drop_index(
        "ix_outbox_events_due",
        table_name="outbox_events",
        schema="auth",
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.drop_table("outbox_events", schema="auth")
