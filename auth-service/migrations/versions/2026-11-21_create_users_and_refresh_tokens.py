"""create users and refresh tokens"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "b21b09b5be7c"
down_revision: str | None = None


def upgrade() -> None:
    helpers.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("updated_at", now=True),
        schema="auth",
        unique=["email"],
    )
    helpers.create_table(
        "refresh_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("expires_at"),
        helpers.timestamp("used_at", nullable=True),
        helpers.timestamp("revoked_at", nullable=True),
        helpers.cascading_reference("refresh_tokens", "user_id", "auth.users.id"),
        schema="auth",
        unique=["token_hash"],
    )
    helpers.create_column_index("auth", "refresh_tokens", "family_id")
    helpers.create_column_index("auth", "refresh_tokens", "user_id")


def downgrade() -> None:
    helpers.drop_column_index("auth", "refresh_tokens", "user_id")
    helpers.drop_column_index("auth", "refresh_tokens", "family_id")
    op.drop_table("refresh_tokens", schema="auth")
    op.drop_table("users", schema="auth")
