"""session and client revocations: auth.session_revocations, auth.client_revocations

`GET /internal/revocations` lists, beside the subjects, the sessions whose
access tokens must be refused (`sid`) and the clients whose tokens issued
before a time must be (`client_id`, `not_before`).

Expand only (docs/migrations.md): two new tables, which the previous release
neither reads nor writes.
"""

import sqlalchemy as sa
from alembic import op

from platform_common.migration_helpers import create_column_index, drop_column_index, timestamp

revision: str = "6162cba2cc13"
down_revision: str | None = "2143ca8d61cb"


def upgrade() -> None:
    op.create_table(
        "session_revocations",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        timestamp("revoked_at"),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_revocations")),
        schema="auth",
    )
    create_column_index("auth", "session_revocations", "revoked_at")
    op.create_table(
        "client_revocations",
        sa.Column("client_id", sa.String(255), nullable=False),
        timestamp("not_before"),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_revocations")),
        schema="auth",
    )
    create_column_index("auth", "client_revocations", "not_before")


def downgrade() -> None:
    drop_column_index("auth", "client_revocations", "not_before")
    op.drop_table("client_revocations", schema="auth")
    drop_column_index("auth", "session_revocations", "revoked_at")
    op.drop_table("session_revocations", schema="auth")
