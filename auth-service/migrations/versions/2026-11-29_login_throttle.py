"""login throttle: attempt counters and known login addresses; emails in one normal form

Revision ID: 8e4b2d6f1a37
Revises: 5c1f0e7a9d21
Create Date: 2026-11-29 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e4b2d6f1a37"
down_revision: str | None = "5c1f0e7a9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_attempts")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_auth_login_attempts_window_started_at"),
        "login_attempts",
        ["window_started_at"],
        unique=False,
        schema="auth",
    )
    op.create_table(
        "known_login_addresses",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth.users.id"],
            name=op.f("fk_known_login_addresses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "address", name=op.f("pk_known_login_addresses")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_auth_known_login_addresses_last_login_at"),
        "known_login_addresses",
        ["last_login_at"],
        unique=False,
        schema="auth",
    )
    _normalise_stored_emails()


def _normalise_stored_emails() -> None:
    """Addresses stored before auth_service.emails kept an IDN domain in Unicode;
    now they are looked up in ASCII form. Only non-ASCII rows can differ."""
    from auth_service.emails import InvalidEmail, normalise_email

    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, email FROM auth.users WHERE email ~ '[^\\x01-\\x7f]'")
    ).all()
    for user_id, email in rows:
        try:
            normal = normalise_email(email)
        except InvalidEmail:
            continue  # left as it is: it can still log in as stored
        if normal != email:
            connection.execute(
                sa.text("UPDATE auth.users SET email = :email WHERE id = :id"),
                {"email": normal, "id": user_id},
            )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_auth_known_login_addresses_last_login_at"),
        table_name="known_login_addresses",
        schema="auth",
    )
    op.drop_table("known_login_addresses", schema="auth")
    op.drop_index(
        op.f("ix_auth_login_attempts_window_started_at"),
        table_name="login_attempts",
        schema="auth",
    )
    op.drop_table("login_attempts", schema="auth")
