"""outbox: events parked as failed (outbox_events.failed_at)

An event that can never be delivered (an address no mail system takes, a
malformed payload) is parked instead of retried forever; the dispatcher's due
index leaves parked events out.

Expand only (docs/migrations.md): the previous release's dispatcher, still
serving while this runs, knows nothing of failed_at and queries with
`delivered_at IS NULL` alone, which the old index `ix_outbox_events_due`
serves; that index goes in the next release (contract).
"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "a4e8c2d19b60"
down_revision: str | None = "3d7a9c5e2f14"


def upgrade() -> None:
    # Nullable without a default: a change of the catalog alone, whatever the
    # table's size. IF NOT EXISTS: the index is built after this step is
    # committed, so a failed build runs this migration again from the start.
    op.add_column(
        "outbox_events",
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        schema="auth",
        if_not_exists=True,
    )
    # The outbox can be large (delivered events are kept for days): built
    # while the services go on writing events.
    helpers.create_index_concurrently(
        "ix_outbox_events_due_unparked",
        "outbox_events",
        ["next_attempt_at"],
        schema="auth",
        where="delivered_at IS NULL AND failed_at IS NULL",
    )


def downgrade() -> None:
    helpers.drop_index_concurrently("ix_outbox_events_due_unparked", "outbox_events", schema="auth")
    op.drop_column("outbox_events", "failed_at", schema="auth", if_exists=True)
