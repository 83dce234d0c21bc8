import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Stored lower-cased (see schemas.Email), so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    # Carried by access tokens as `ver`; a credential change bumps it, which
    # ends every token of an older version (platform_common.revocations).
    token_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The address has been proved to be the user's (POST /auth/verify).
    is_verified: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RefreshToken(Base):
    """One issued refresh token. Rotation chains tokens into a family (one login)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # SHA-256 of the token, hex: a leaked table does not leak usable tokens, and
    # the token is random enough that a plain hash needs no salt or stretching.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Outbox event kinds; payload {"user_id": "<uuid>"}.
USER_DELETED = "user.deleted"
# Emails (auth_service.delivery.account_mail): the secret a message carries is made
# when it is sent, so no row ever holds it in clear.
# {"user_id": "<uuid>" | null}; null: no such account, nothing is sent.
PASSWORD_RESET_EMAIL = "email.password_reset"  # noqa: S105  (an event kind)  # nosec B105
# {"user_id": "<uuid>", "email": "<the address to prove>"}
VERIFICATION_EMAIL = "email.verification"
# {"to": "<address>", "subject": "...", "text": "..."}: a notice, no secret in it.
NOTICE_EMAIL = "email.notice"


class OutboxEvent(Base):
    """A message for another service, written in the transaction that caused it.

    The dispatcher (auth_service.delivery.outbox) delivers it until acknowledged; a
    delivered event keeps its row with `delivered_at` set and is never sent again.
    """

    __tablename__ = "outbox_events"
    # The dispatcher's one query: undelivered, unparked events that are due, oldest first.
    __table_args__ = (
        Index(
            "ix_outbox_events_due_unparked",
            "next_attempt_at",
            postgresql_where=text("delivered_at IS NULL AND failed_at IS NULL"),
        ),
        # The previous release's dispatcher's (it knows no failed_at): kept while
        # that release may still serve, dropped in the next one (docs/migrations.md).
        Index(
            "ix_outbox_events_due", "next_attempt_at", postgresql_where=text("delivered_at IS NULL")
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Done with: sent, or nothing left to send (no account, superseded).
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Parked: it can never be delivered (auth_service.delivery.outbox.UndeliverableEvent).
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class SubjectRevocation(Base):
    """A user whose access tokens below `min_version` must be refused; NULL:
    all of them (the account is deleted).

    Not a foreign key: the user is usually deleted in the same transaction.
    Verifiers learn of it through `GET /internal/revocations`, which lists it
    for an access-token lifetime (plus a leeway) after `revoked_at`: by then
    every token it refuses has expired anyway.
    """

    __tablename__ = "subject_revocations"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    min_version: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SessionRevocation(Base):
    """A login session (refresh-token family, claim `sid`) whose access tokens
    must be refused: it ended (log-out, revocation, refresh-token reuse...).

    Listed at `GET /internal/revocations` for an access-token lifetime (plus a
    leeway) after `revoked_at`, as subject revocations are; no foreign key,
    for the same reason.
    """

    __tablename__ = "session_revocations"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ClientRevocation(Base):
    """A client whose access tokens (claim `client_id`) issued before
    `not_before` must be refused: it was disabled, or its tokens revoked.

    Listed at `GET /internal/revocations` for an access-token lifetime (plus a
    leeway) after `not_before`: every token it refuses has expired by then.
    """

    __tablename__ = "client_revocations"

    client_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginAttemptCounter(Base):
    """Password-grant attempts in one fixed window, per scope and key
    (auth_service.accounts.throttle). The key is a SHA-256 of the account and/or
    address: the table holds no address or email in clear."""

    __tablename__ = "login_attempts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer)


class KnownLoginAddress(Base):
    """An address that has logged into the account: the account-wide and
    per-address login limits do not apply to it (auth_service.accounts.throttle)."""

    __tablename__ = "known_login_addresses"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(255), primary_key=True)
    last_login_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# AccountToken purposes.
PASSWORD_RESET = "password_reset"  # noqa: S105  (a purpose)  # nosec B105
VERIFY_EMAIL = "verify_email"


class AccountToken(Base):
    """A single-use secret sent by email: a password reset or an address proof.

    Only its SHA-256 is stored. A reset token is bound to the account's token
    version when issued: a password change (or any change that ends sessions)
    bumps the version, and the token dies with it.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    # The address a verification token proves (the new one, for a change).
    email: Mapped[str | None] = mapped_column(String(320))
    token_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when used or superseded by a newer token of the same purpose.
    spent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """One login: the refresh-token family `id` (claim `sid` of its access tokens)."""

    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    user_agent: Mapped[str | None] = mapped_column(String(255))
    client_address: Mapped[str | None] = mapped_column(String(255))
    # The app the session was granted to (authorization code flow) and what it
    # was granted; NULL for a password login of no named client, whose scope is
    # AUTH_USER_SCOPE. A refresh keeps both.
    client_id: Mapped[str | None] = mapped_column(String(100), index=True)
    scope: Mapped[str | None] = mapped_column(Text)
    # How the person signed in (RFC 8176 `amr`), carried by every token of the
    # session; NULL: a password alone (the sessions made before TOTP).
    amr: Mapped[list[str] | None] = mapped_column(ARRAY(Text))


class OAuthClient(Base):
    """An app registered with the authorization server (auth_service.oauth.clients)."""

    __tablename__ = "oauth_clients"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Confidential clients authenticate with a secret; public ones (browser and
    # native apps) cannot keep one and rely on PKCE alone.
    confidential: Mapped[bool] = mapped_column(Boolean)
    first_party: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    redirect_uris: Mapped[list[str]] = mapped_column(ARRAY(Text))
    grant_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # client_credentials tokens' `aud`; introspection's reach (scope introspect).
    audience: Mapped[str | None] = mapped_column(String(200))
    introspection_audiences: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'")
    )
    # SHA-256 of the secret (random, 256 bits: no stretching needed); the
    # previous one stays valid until previous_secret_expires_at after a rotation.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "config": kept in step with AUTH_CLIENTS at start-up; "api": the superusers'.
    source: Mapped[str] = mapped_column(String(16), server_default=text("'api'"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OAuthConsent(Base):
    """What a person let an app do: asked again only for scopes beyond these."""

    __tablename__ = "oauth_consents"
    __table_args__ = (PrimaryKeyConstraint("user_id", "client_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthorizationCode(Base):
    """A code of the authorization code flow: single use, short-lived, bound to
    its client, redirect URI, PKCE challenge and the person's token version."""

    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(Text)
    token_version: Mapped[int] = mapped_column(Integer)
    auth_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The sign-in session of the authorization server it came from (OIDC `sid`).
    browser_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The session its exchange started: a second use ends it (RFC 6749 §4.1.2).
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The sign-in's methods (RFC 8176), given to the session; NULL: a password.
    amr: Mapped[list[str] | None] = mapped_column(ARRAY(Text))


class BrowserSession(Base):
    """The authorization server's own sign-in session (a cookie): a second
    authorization within it needs no password. The cookie holds a random
    value; only its SHA-256 is stored."""

    __tablename__ = "browser_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cookie_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Ended by any change that ends sessions: the version it was made under.
    token_version: Mapped[int] = mapped_column(Integer)
    auth_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How the person signed in (RFC 8176); NULL: a password.
    amr: Mapped[list[str] | None] = mapped_column(ARRAY(Text))


class TotpFactor(Base):
    """A person's TOTP authenticator (auth_service.accounts.totp): pending
    until a first code confirms it (`confirmed_at`)."""

    __tablename__ = "totp_factors"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Fernet (auth_service.accounts.secret_box): a leaked table or backup
    # holds no usable secret without AUTH_TOTP_ENCRYPTION_KEYS.
    encrypted_secret: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The newest time step a code was accepted for: no step is accepted twice.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RecoveryCode(Base):
    """A single-use recovery code, in place of a TOTP code; SHA-256 only (80
    random bits: no stretching needed)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MfaChallenge(Base):
    """A sign-in whose password was right, waiting for its second factor
    (auth_service.oauth.mfa): the `mfa_token`'s SHA-256, single use, short-lived."""

    __tablename__ = "mfa_challenges"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # "token": the password grant's; "signin": the sign-in page's.
    purpose: Mapped[str] = mapped_column(String(16))
    # A credential change since the password was checked voids it.
    token_version: Mapped[int] = mapped_column(Integer)
    # What the password grant was asked for: the client named and the scope.
    client_id: Mapped[str | None] = mapped_column(String(100))
    scope: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SecurityEvent(Base):
    """Something that happened to an account's security; never a secret.

    `user_id` is no foreign key: a deleted account's history stays (until
    AUTH_EVENT_RETENTION_DAYS) for whoever investigates it.
    """

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_user_time", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(64), index=True)
    client_address: Mapped[str | None] = mapped_column(String(255))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    request_id: Mapped[str | None] = mapped_column(String(128))
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The app concerned (a client change, a consent, an app's access revoked).
    client_id: Mapped[str | None] = mapped_column(String(100))


class PersonalToken(Base):
    """A personal access token (auth_service.accounts.personal_tokens): named,
    scoped, expiring, for a person's scripts. Only its SHA-256 is stored (the
    format: platform_common.personal_tokens); `id` is its `sid` and `jti` to
    the verifiers, so revoking it lists `id` as an ended session."""

    __tablename__ = "personal_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_four: Mapped[str] = mapped_column(String(4))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_address: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The one "expires within 7 days" mail was queued.
    expiry_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PersonalTokenAddress(Base):
    """An address a personal access token was created or used from: a use
    from any other is an event and a mail to the owner."""

    __tablename__ = "personal_token_addresses"
    __table_args__ = (PrimaryKeyConstraint("token_id", "address"),)

    token_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("personal_tokens.id", ondelete="CASCADE")
    )
    address: Mapped[str] = mapped_column(String(255))
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
