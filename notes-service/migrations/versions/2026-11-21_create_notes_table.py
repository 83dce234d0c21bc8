"""create notes table"""

import sqlalchemy as sa
from alembic import op

from platform_common.migration_helpers import timestamp

revision: str = "c8bb417cd08d"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=50), nullable=False),
        timestamp("created_date", now=True),
        timestamp("updated_date", now=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
        schema="notes",
    )
    op.create_index(
        "ix_notes_owner_id_id", "notes", ["owner_id", "id"], unique=False, schema="notes"
    )


def downgrade() -> None:
    op.drop_index("ix_notes_owner_id_id", table_name="notes", schema="notes")
    op.drop_table("notes", schema="notes")
