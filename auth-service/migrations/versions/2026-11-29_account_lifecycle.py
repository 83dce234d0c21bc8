"""account lifecycle: users.is_verified, account_tokens, sessions, security_events

Revision ID: 3d7a9c5e2f14
Revises: 8e4b2d6f1a37
Create Date: 2026-11-29 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d7a9c5e2f14"
down_revision: str | None = "8e4b2d6f1a37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Existing accounts never proved their address: unverified, like new ones
    # (the first superuser is created verified from now on; see README).
    op.add_column(
        "users",
        sa.Column("is_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        schema="auth",
    )
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("spent_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth.users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_auth_account_tokens_user_id"), "account_tokens", ["user_id"], schema="auth"
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.Column("last_used_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("client_address", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth.users.id"],
            name=op.f("fk_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        schema="auth",
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "sessions", ["user_id"], schema="auth")
    op.create_table(
        "security_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("occurred_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(255), nullable=True),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_auth_security_events_occurred_at"),
        "security_events",
        ["occurred_at"],
        schema="auth",
    )
    op.create_index(
        op.f("ix_auth_security_events_type"), "security_events", ["type"], schema="auth"
    )
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
