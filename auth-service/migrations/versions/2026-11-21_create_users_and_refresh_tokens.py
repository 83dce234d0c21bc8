"""create users and refresh tokens"""

import sqlalchemy as sa
from alembic import op

from platform_common.migration_helpers import (
    cascading_reference,
    create_column_index,
    drop_column_index,
    timestamp,
)

revision: str = "b21b09b5be7c"
down_revision: str | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        timestamp("created_at", now=True),
        timestamp("updated_at", now=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        schema="auth",
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        timestamp("created_at", now=True),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
        timestamp("revoked_at", nullable=True),
        cascading_reference("refresh_tokens", "user_id", "auth.users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
        schema="auth",
    )
    create_column_index("auth", "refresh_tokens", "family_id")
    create_column_index("auth", "refresh_tokens", "user_id")


def downgrade() -> None:
    drop_column_index("auth", "refresh_tokens", "user_id")
    drop_column_index("auth", "refresh_tokens", "family_id")
    op.drop_table("refresh_tokens", schema="auth")
    op.drop_table("users", schema="auth")
