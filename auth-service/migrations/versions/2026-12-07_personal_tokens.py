"""personal access tokens: auth.personal_tokens, auth.personal_token_addresses

Named, scoped, expiring tokens for a person's scripts (hashed; their ids are
listed as ended sessions when revoked), and the addresses each was used from.

Expand only (docs/migrations.md): two new tables, which the previous release
neither reads nor writes.
"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "b7d4e1f0a3c2"
down_revision: str | None = "b7d41e0c9a52"


def upgrade() -> None:
    helpers.create_table(
        "personal_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_four", sa.String(length=4), nullable=False),
        sa.Column("scopes", helpers.TEXT_LIST, nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("expires_at"),
        helpers.timestamp("last_used_at", nullable=True),
        sa.Column("last_used_address", sa.String(length=255), nullable=True),
        helpers.timestamp("revoked_at", nullable=True),
        helpers.timestamp("expiry_notified_at", nullable=True),
        helpers.cascading_reference("personal_tokens", "user_id", "auth.users.id"),
        schema="auth",
        unique=["token_hash"],
    )
    helpers.create_column_index("auth", "personal_tokens", "user_id")
    helpers.create_column_index("auth", "personal_tokens", "expires_at")
    helpers.create_table(
        "personal_token_addresses",
        sa.Column("token_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        helpers.timestamp("last_seen_at", now=True),
        helpers.cascading_reference(
            "personal_token_addresses", "token_id", "auth.personal_tokens.id"
        ),
        schema="auth",
        key=["token_id", "address"],
    )


def downgrade() -> None:
    op.drop_table("personal_token_addresses", schema="auth")
    helpers.drop_column_index("auth", "personal_tokens", "expires_at")
    helpers.drop_column_index("auth", "personal_tokens", "user_id")
    op.drop_table("personal_tokens", schema="auth")
