"""OAuth authorization: clients, consents, codes, sign-in sessions

The client registry, consents, authorization codes, the authorization
server's sign-in sessions; a session's app and scope; the app an event
concerns. Expand only (docs/migrations.md): new tables, and nullable columns without
defaults on existing ones; the index on `sessions` is built concurrently.
"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "2143ca8d61cb"
down_revision: str | None = "a4e8c2d19b60"


def upgrade() -> None:
    helpers.create_table(
        "oauth_clients",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("first_party", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("redirect_uris", helpers.TEXT_LIST, nullable=False),
        sa.Column("grant_types", helpers.TEXT_LIST, nullable=False),
        sa.Column("scopes", helpers.TEXT_LIST, nullable=False),
        sa.Column("audience", sa.String(length=200), nullable=True),
        sa.Column(
            "introspection_audiences",
            helpers.TEXT_LIST,
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_hash", sa.String(length=64), nullable=True),
        helpers.timestamp("previous_secret_expires_at", nullable=True),
        sa.Column("source", sa.String(length=16), server_default=sa.text("'api'"), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("updated_at", now=True),
        schema="auth",
        if_not_exists=True,
    )
    helpers.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
        helpers.timestamp("auth_time"),
        sa.Column("browser_session_id", sa.Uuid(), nullable=True),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("expires_at"),
        helpers.timestamp("used_at", nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        helpers.cascading_reference("authorization_codes", "client_id", "auth.oauth_clients.id"),
        helpers.cascading_reference("authorization_codes", "user_id", "auth.users.id"),
        schema="auth",
        key=["code_hash"],
        if_not_exists=True,
    )
    # Plain indexes on tables created just above (empty): no need to build them concurrently.
    helpers.create_column_index("auth", "authorization_codes", "client_id", if_not_exists=True)
    helpers.create_column_index("auth", "authorization_codes", "user_id", if_not_exists=True)
    helpers.create_table(
        "browser_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cookie_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        helpers.timestamp("auth_time"),
        helpers.timestamp("expires_at"),
        helpers.timestamp("ended_at", nullable=True),
        helpers.cascading_reference("browser_sessions", "user_id", "auth.users.id"),
        schema="auth",
        unique=["cookie_hash"],
        if_not_exists=True,
    )
    helpers.create_column_index("auth", "browser_sessions", "user_id", if_not_exists=True)
    helpers.create_table(
        "oauth_consents",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("scopes", helpers.TEXT_LIST, nullable=False),
        helpers.timestamp("granted_at", now=True),
        helpers.timestamp("last_used_at", nullable=True),
        helpers.cascading_reference("oauth_consents", "client_id", "auth.oauth_clients.id"),
        helpers.cascading_reference("oauth_consents", "user_id", "auth.users.id"),
        schema="auth",
        key=["user_id", "client_id"],
        if_not_exists=True,
    )
    helpers.create_column_index("auth", "oauth_consents", "client_id", if_not_exists=True)
    op.add_column(
        "security_events",
        sa.Column("client_id", sa.String(length=100), nullable=True),
        schema="auth",
        if_not_exists=True,
    )
    op.add_column(
        "sessions",
        sa.Column("client_id", sa.String(length=100), nullable=True),
        schema="auth",
        if_not_exists=True,
    )
    op.add_column(
        "sessions", sa.Column("scope", sa.Text(), nullable=True), schema="auth", if_not_exists=True
    )
    # Last: it commits the steps above before it builds (sessions can be large).
    helpers.create_index_concurrently(
        "ix_auth_sessions_client_id", "sessions", ["client_id"], schema="auth"
    )


def downgrade() -> None:
    helpers.drop_index_concurrently("ix_auth_sessions_client_id", "sessions", schema="auth")
    op.drop_column("sessions", "scope", schema="auth")
    op.drop_column("sessions", "client_id", schema="auth")
    op.drop_column("security_events", "client_id", schema="auth")
    op.drop_table("oauth_consents", schema="auth")
    op.drop_table("browser_sessions", schema="auth")
    op.drop_table("authorization_codes", schema="auth")
    op.drop_table("oauth_clients", schema="auth")
