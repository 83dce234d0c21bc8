"""totp second factor: auth.totp_factors, auth.recovery_codes, auth.mfa_challenges, amr columns

A person's TOTP factor (its secret encrypted, the last accepted time step),
their single-use recovery codes (hashes), the pending second steps of
sign-ins (`mfa_token`), and the authentication methods (`amr`) a login
session, a sign-in session and an authorization code were made with.

Expand only (docs/migrations.md): new tables, and nullable columns without
defaults on existing ones, which the previous release neither reads nor
writes (NULL reads as a password sign-in, the only kind it makes).
"""

import sqlalchemy as sa
from alembic import op

from platform_common import migration_helpers as helpers

revision: str = "b7d41e0c9a52"
down_revision: str | None = "6162cba2cc13"

AMR_TABLES = ("sessions", "browser_sessions", "authorization_codes")


def upgrade() -> None:
    helpers.create_table(
        "totp_factors",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("encrypted_secret", sa.Text(), nullable=False),
        helpers.timestamp("confirmed_at", nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        helpers.timestamp("created_at", now=True),
        helpers.cascading_reference("totp_factors", "user_id", "auth.users.id"),
        schema="auth",
        key=["user_id"],
        if_not_exists=True,
    )
    helpers.create_table(
        "recovery_codes",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("used_at", nullable=True),
        helpers.cascading_reference("recovery_codes", "user_id", "auth.users.id"),
        schema="auth",
        if_not_exists=True,
    )
    # Plain indexes on tables created just above (empty): no need to build them concurrently.
    helpers.create_column_index("auth", "recovery_codes", "user_id", if_not_exists=True)
    helpers.create_table(
        "mfa_challenges",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        helpers.timestamp("created_at", now=True),
        helpers.timestamp("expires_at"),
        helpers.timestamp("used_at", nullable=True),
        helpers.cascading_reference("mfa_challenges", "user_id", "auth.users.id"),
        schema="auth",
        key=["token_hash"],
        if_not_exists=True,
    )
    helpers.create_column_index("auth", "mfa_challenges", "user_id", if_not_exists=True)
    helpers.create_column_index("auth", "mfa_challenges", "expires_at", if_not_exists=True)
    for table in AMR_TABLES:
        op.add_column(
            table,
            sa.Column("amr", helpers.TEXT_LIST, nullable=True),
            schema="auth",
            if_not_exists=True,
        )


def downgrade() -> None:
    for table in reversed(AMR_TABLES):
        op.drop_column(table, "amr", schema="auth")
    op.drop_table("mfa_challenges", schema="auth")
    op.drop_table("recovery_codes", schema="auth")
    op.drop_table("totp_factors", schema="auth")
