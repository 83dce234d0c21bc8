"""session and client revocations: auth.session_revocations, auth.client_revocations

`GET /internal/revocations` lists, beside the subjects, the sessions whose
access tokens must be refused (`sid`) and the clients whose tokens issued
before a time must be (`client_id`, `not_before`).

Expand only (docs/migrations.md): two new tables, which the previous release
neither reads nor writes.
"""

import sqlalchemy as sa

from platform_common import migration_helpers as helpers

revision: str = "6162cba2cc13"
down_revision: str | None = "2143ca8d61cb"


def upgrade() -> None:
    session_id = sa.Column("session_id", sa.Uuid(), nullable=False)
    helpers.create_revocation_table("auth", "session_revocations", session_id, "revoked_at")
    client_id = sa.Column("client_id", sa.String(255), nullable=False)
    helpers.create_revocation_table("auth", "client_revocations", client_id, "not_before")


def downgrade() -> None:
    helpers.drop_revocation_table("auth", "client_revocations", "not_before")
    helpers.drop_revocation_table("auth", "session_revocations", "revoked_at")
