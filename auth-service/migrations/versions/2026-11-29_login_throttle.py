"""login throttle: attempt counters and known login addresses; emails in one normal form"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "8e4b2d6f1a37"
down_revision: str | None = "5c1f0e7a9d21"


def upgrade() -> None:
    helpers.create_table(
        "login_attempts",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        helpers.timestamp("window_started_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        schema="auth",
        key=["scope", "key"],
    )
    helpers.create_column_index("auth", "login_attempts", "window_started_at")
    helpers.create_table(
        "known_login_addresses",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        helpers.timestamp("last_login_at"),
        helpers.cascading_reference("known_login_addresses", "user_id", "auth.users.id"),
        schema="auth",
        key=["user_id", "address"],
    )
    helpers.create_column_index("auth", "known_login_addresses", "last_login_at")
    _normalise_stored_emails()


def _normalise_stored_emails() -> None:
    """Addresses stored before auth_service.emails kept an IDN domain in Unicode;
    now they are looked up in ASCII form. Only non-ASCII rows can differ."""
    from auth_service.accounts.emails import InvalidEmail, normalise_email

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
    helpers.drop_column_index("auth", "known_login_addresses", "last_login_at")
    op.drop_table("known_login_addresses", schema="auth")
    helpers.drop_column_index("auth", "login_attempts", "window_started_at")
    op.drop_table("login_attempts", schema="auth")
