"""deleted owners: accounts whose notes were purged"""

import sqlalchemy as sa
from alembic import op

from platform_common.migration_helpers import timestamp

revision: str = "5f3a9d2c7b10"
down_revision: str | None = "c8bb417cd08d"


def upgrade() -> None:
    op.create_table(
        "deleted_owners",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        timestamp("deleted_at", now=True),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_deleted_owners")),
        schema="notes",
    )


def downgrade() -> None:
    op.drop_table("deleted_owners", schema="notes")
