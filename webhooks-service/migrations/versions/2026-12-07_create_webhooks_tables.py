"""create endpoints, events, deliveries and attempts

The first migration of webhooks-service (schema "webhooks"): a person's
endpoints, the events received from notes-service, one delivery per event and
endpoint, and each attempt of a delivery.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import SchemaItem

from platform_common import migration_helpers as helpers

revision: str = "7b3e5d1a9c42"
down_revision: str | None = None

SCHEMA = "webhooks"


def _create_table(
    name: str, *columns: SchemaItem, constraints: Sequence[sa.Constraint] = ()
) -> None:
    """A table of the schema keyed by its `id`: the primary key after the
    columns (and their references), then any other `constraints`."""
    key = sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}"))
    op.create_table(name, *columns, key, *constraints, schema=SCHEMA, if_not_exists=True)


def upgrade() -> None:
    _create_table(
        "endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("disabled_reason", sa.String(length=32), nullable=True),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("previous_secret", sa.String(length=128), nullable=True),
        helpers.timestamp("previous_secret_expires_at", nullable=True),
        helpers.timestamp("failing_since", nullable=True),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("updated_at", now=True),
    )
    _create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        helpers.timestamp("occurred_at"),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("traceparent", sa.String(length=55), nullable=True),
        helpers.timestamp("received_at", now=True),
    )
    _create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.BigInteger(), nullable=True),
        sa.Column("sequence", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        helpers.timestamp("next_attempt_at", now=True),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("finished_at", nullable=True),
        helpers.cascading_reference("deliveries", "endpoint_id", "webhooks.endpoints.id"),
        helpers.cascading_reference("deliveries", "event_id", "webhooks.events.id"),
        constraints=[
            sa.UniqueConstraint("event_id", "endpoint_id", name=op.f("uq_deliveries_event_id"))
        ],
    )
    _create_table(
        "attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        helpers.timestamp("attempted_at"),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("response_excerpt", sa.String(length=1024), nullable=True),
        helpers.cascading_reference("attempts", "delivery_id", "webhooks.deliveries.id"),
    )
    for name, table, columns, where in INDEXES:
        helpers.create_index_concurrently(name, table, columns, schema=SCHEMA, where=where)


INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_webhooks_endpoints_owner_id", "endpoints", ["owner_id"], None),
    ("ix_webhooks_events_owner_id", "events", ["owner_id"], None),
    ("ix_deliveries_due", "deliveries", ["next_attempt_at"], "state = 'pending'"),
    (
        "ix_deliveries_note_order",
        "deliveries",
        ["endpoint_id", "note_id", "sequence"],
        "state = 'pending'",
    ),
    ("ix_deliveries_endpoint_id_created_at", "deliveries", ["endpoint_id", "created_at"], None),
    ("ix_webhooks_attempts_delivery_id", "attempts", ["delivery_id"], None),
]


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        helpers.drop_index_concurrently(name, table, schema=SCHEMA)
    for table in ("attempts", "deliveries", "events", "endpoints"):
        op.drop_table(table, schema=SCHEMA, if_exists=True)
