"""outbox: events parked as failed (outbox_events.failed_at)

An event that can never be delivered (an address no mail system takes, a
malformed payload) is parked instead of retried forever; the due index
leaves parked events out.

Create Date: 2026-12-07 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision: str = "a4e8c2d19b60"
down_revision: str | None = "3d7a9c5e2f14"


def upgrade() -> None:
    op.add_column(
        "outbox_events",
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        schema="auth",
    )
    _replace_due_index("delivered_at IS NULL AND failed_at IS NULL")


def downgrade() -> None:
    _replace_due_index("delivered_at IS NULL")
    op.drop_column("outbox_events", "failed_at", schema="auth")


def _replace_due_index(predicate: str) -> None:
    op.drop_index("ix_outbox_events_due", table_name="outbox_events", schema="auth")
    op.create_index(
        "ix_outbox_events_due",
        "outbox_events",
        ["next_attempt_at"],
        unique=False,
        schema="auth",
        postgresql_where=sa.text(predicate),
    )
