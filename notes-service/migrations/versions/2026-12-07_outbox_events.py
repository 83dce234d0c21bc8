"""outbox events: note changes waiting for webhooks-service

Expand only: a new table the previous release neither reads nor writes.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from platform_common.migration_helpers import timestamp

revision: str = "3ba44e9b2b7e"
down_revision: str | None = "9d41e6b2a7c3"


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        timestamp("occurred_at", default="clock_timestamp()"),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("traceparent", sa.String(length=256), nullable=True),
        sa.Column("tracestate", sa.String(length=512), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        timestamp("next_attempt_at", default="clock_timestamp()"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        schema="notes",
    )
    # A new, empty table: plain indexes take no time (docs/migrations.md).
    op.create_index(
        "ix_outbox_events_next_attempt_at",
        "outbox_events",
        ["next_attempt_at"],
        unique=False,
        schema="notes",
    )
    op.create_index(
        "ix_outbox_events_owner_id", "outbox_events", ["owner_id"], unique=False, schema="notes"
    )


def downgrade() -> None:
    op.drop_table("outbox_events", schema="notes")
