"""deleted owners: accounts whose notes were purged

Revision ID: 5f3a9d2c7b10
Revises: c8bb417cd08d
Create Date: 2026-11-29 12:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f3a9d2c7b10"
down_revision: str | None = "c8bb417cd08d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deleted_owners",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "deleted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_deleted_owners")),
        schema="notes",
    )


def downgrade() -> None:
    op.drop_table("deleted_owners", schema="notes")
