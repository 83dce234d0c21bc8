"""account lifecycle: users.is_verified, account_tokens, sessions, security_events"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "3d7a9c5e2f14"
down_revision: str | None = "8e4b2d6f1a37"


def upgrade() -> None:
    # Existing accounts never proved their address: unverified, like new ones
    # (the first superuser is created verified from now on; see README).
    helpers.add_defaulted_column("users", "is_verified", sa.Boolean(), "false", schema="auth")
    helpers.create_table(
        "account_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("expires_at"),
        helpers.timestamp("spent_at", nullable=True),
        helpers.cascading_reference("account_tokens", "user_id", "auth.users.id"),
        schema="auth",
        unique=["token_hash"],
    )
    helpers.create_column_index("auth", "account_tokens", "user_id")
    helpers.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("last_used_at", now=True),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("client_address", sa.String(255), nullable=True),
        helpers.cascading_reference("sessions", "user_id", "auth.users.id"),
        schema="auth",
    )
    helpers.create_column_index("auth", "sessions", "user_id")
    helpers.create_table(
        "security_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        helpers.timestamp("occurred_at", now=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(255), nullable=True),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        schema="auth",
    )
    helpers.create_column_index("auth", "security_events", "occurred_at")
    helpers.create_column_index("auth", "security_events", "type")
    op.create_index(
        "ix_security_events_user_time",
        "security_events",
        ["user_id", "occurred_at"],
        schema="auth",
    )


def downgrade() -> None:
    op.drop_table("security_events", schema="auth")
    op.drop_table("sessions", schema="auth")
    op.drop_table("account_tokens", schema="auth")
    op.drop_column("users", "is_verified", schema="auth")
