"""token versions: users.token_version, subject_revocations.min_version"""

import sqlalchemy as sa
from alembic import op

from platform_common.migration_helpers import add_defaulted_column

revision: str = "5c1f0e7a9d21"
down_revision: str | None = "185b382b7877"


def upgrade() -> None:
    add_defaulted_column("users", "token_version", sa.Integer(), "0", schema="auth")
    # Rows written before versions existed are deletions or deactivations:
    # NULL (no version valid) refuses every token of theirs, as they did.
    op.add_column(
        "subject_revocations", sa.Column("min_version", sa.Integer(), nullable=True), schema="auth"
    )


def downgrade() -> None:
    op.drop_column("subject_revocations", "min_version", schema="auth")
    op.drop_column("users", "token_version", schema="auth")
