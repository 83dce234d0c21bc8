"""notes for API consumers: version (ETag), search vector, sort indexes, idempotency keys"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from platform_common import migration_helpers as helpers

revision: str = "9d41e6b2a7c3"
down_revision: str | None = "5f3a9d2c7b10"

SEARCH_VECTOR_SQL = "to_tsvector('simple', title || ' ' || description)"
SORT_INDEXES = {
    "ix_notes_owner_id_created_date_id": ["owner_id", "created_date", "id"],
    "ix_notes_owner_id_updated_date_id": ["owner_id", "updated_date", "id"],
    "ix_notes_owner_id_title_id": ["owner_id", "title", "id"],
}


def upgrade() -> None:
    helpers.add_defaulted_column("notes", "version", sa.Integer(), "1", schema="notes")
    op.add_column(
        "notes",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_VECTOR_SQL, persisted=True),
            nullable=True,
        ),
        schema="notes",
    )
    op.create_index(
        "ix_notes_search_vector",
        "notes",
        ["search_vector"],
        unique=False,
        schema="notes",
        postgresql_using="gin",
    )
    for name, columns in SORT_INDEXES.items():
        op.create_index(name, "notes", columns, unique=False, schema="notes")
    op.create_table(
        "idempotency_keys",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("etag", sa.String(length=100), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("expires_at"),
        sa.PrimaryKeyConstraint("owner_id", "key", name=op.f("pk_idempotency_keys")),
        schema="notes",
    )
    op.create_index(
        "ix_idempotency_keys_expires_at",
        "idempotency_keys",
        ["expires_at"],
        unique=False,
        schema="notes",
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_expires_at", table_name="idempotency_keys", schema="notes")
    op.drop_table("idempotency_keys", schema="notes")
    for name in SORT_INDEXES:
        op.drop_index(name, table_name="notes", schema="notes")
    op.drop_index("ix_notes_search_vector", table_name="notes", schema="notes")
    op.drop_column("notes", "search_vector", schema="notes")
    op.drop_column("notes", "version", schema="notes")
