"""What the grants do (RFC 6749: password, refresh, client credentials) and
revocation (RFC 7009); auth_service.oauth.grants maps grant types to them.
Each function that writes owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import events, sessions, throttle
from auth_service.accounts.events import NO_CLIENT, ClientInfo
from auth_service.accounts.throttle import LoginAttempt, LoginLimits
from auth_service.accounts.users import lock_user
from auth_service.config import ClientConfig
from auth_service.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    LoginThrottled,
)
from auth_service.models import RefreshToken, User
from auth_service.schemas import PASSWORD_MAX_LENGTH, IntrospectForm, TokenForm, TokenResponse
from auth_service.security import (
    AccessTokenSigner,
    PasswordHasher,
    new_refresh_token,
    refresh_token_hash,
    secrets_equal,
)

# One answer for an unknown email and a wrong password (RFC 6749 §5.2 invalid_grant).
BAD_CREDENTIALS = "Incorrect email or password"
UNVERIFIED = (
    "This account's email address is not verified yet: use the token in the "
    "verification email (POST /auth/verify), then log in"
)


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """What the tokens look like; built once from the settings."""

    signer: AccessTokenSigner
    user_audience: str
    user_scope: str
    refresh_lifetime: timedelta
    clients: Mapping[str, ClientConfig]
    login_limits: LoginLimits
    # AUTH_REQUIRE_VERIFIED_EMAIL: the password grant refuses unverified accounts.
    require_verified_email: bool = False


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str


def client_credentials(
    basic: ClientCredentials | None, form: TokenForm | IntrospectForm
) -> ClientCredentials | None:
    """client_secret_basic or client_secret_post (RFC 6749 §2.3.1), not both."""
    if basic is not None:
        if form.client_secret is not None:
            raise InvalidRequest("use one client authentication method, not two")
        return basic
    if form.client_id is not None and form.client_secret is not None:
        return ClientCredentials(client_id=form.client_id, client_secret=form.client_secret)
    return None


async def login(
    session: AsyncSession,
    *,
    attempt: LoginAttempt,
    password: str,
    scope: str | None,
    policy: TokenPolicy,
    hasher: PasswordHasher,
    client: ClientInfo = NO_CLIENT,
) -> TokenResponse:
    """The password grant, in steps that hold no connection while hashing:
    count the attempt (auth_service.accounts.throttle, its own committed transaction),
    look the user up in a short transaction, verify with no transaction open,
    then lock the row and issue in a new one."""
    granted = _user_scope(scope, policy)
    if len(password) > PASSWORD_MAX_LENGTH:
        # No account has such a password; refusing before hashing keeps a
        # megabyte of input from costing a megabyte of argon2.
        raise InvalidGrant(BAD_CREDENTIALS)
    try:
        known = await throttle.count_attempt(session, attempt=attempt, limits=policy.login_limits)
    except LoginThrottled as throttled:
        if throttled.first:
            user_id = await session.scalar(select(User.id).where(User.email == attempt.account))
            await _record_failure(session, events.LOGIN_THROTTLED, user_id=user_id, client=client)
        raise
    candidate = (
        await session.execute(
            select(User.id, User.hashed_password).where(User.email == attempt.account)
        )
    ).one_or_none()
    # Ends the transaction and gives the connection back to the pool.
    await session.commit()
    stored_hash = candidate.hashed_password if candidate is not None else None
    matches, upgraded_hash = await hasher.verify(password, stored_hash)
    if candidate is None or not matches:
        user_id = candidate.id if candidate is not None else None
        await _record_failure(session, events.LOGIN_FAILED, user_id=user_id, client=client)
        raise InvalidGrant(BAD_CREDENTIALS)
    response = await issue_for_login(
        session,
        user_id=candidate.id,
        verified_hash=stored_hash,
        upgraded_hash=upgraded_hash,
        scope=granted,
        policy=policy,
        client=client,
    )
    await throttle.record_success(
        session, attempt=attempt, known=known, user_id=candidate.id, limits=policy.login_limits
    )
    await session.commit()
    return response


async def _record_failure(
    session: AsyncSession, type: str, *, user_id: uuid.UUID | None, client: ClientInfo
) -> None:
    """A refused login's event, in a short transaction of its own (one INSERT:
    nothing else changes, and a burst of failures must stay cheap)."""
    events.record(session, type=type, user_id=user_id, client=client)
    await session.commit()


async def issue_for_login(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    verified_hash: str | None,
    upgraded_hash: str | None,
    scope: str,
    policy: TokenPolicy,
    client: ClientInfo,
) -> TokenResponse:
    """Lock the user's row, re-check it, and issue a new login's tokens (a new
    session); the caller commits.

    A deactivation or credential change updates the same row (auth_service.
    sessions), so under the lock this login reads either the state before it
    (and its token's version is refused once the change commits) or after it
    (and is refused here). `verified_hash` is the hash the password was
    checked against, if any: a password changed meanwhile refuses the login.
    """
    user = await lock_user(session, user_id)
    if user is None or (verified_hash is not None and user.hashed_password != verified_hash):
        await session.rollback()
        raise InvalidGrant(BAD_CREDENTIALS)
    if not user.is_active:
        await session.rollback()
        raise InvalidGrant("This account is disabled")
    if policy.require_verified_email and not user.is_verified:
        await session.rollback()
        raise InvalidGrant(UNVERIFIED)
    if upgraded_hash is not None:
        user.hashed_password = upgraded_hash
    family_id = uuid.uuid4()
    sessions.start_session(session, user_id=user.id, family_id=family_id, client=client)
    events.record(
        session, type=events.LOGIN_SUCCEEDED, user_id=user.id, client=client, session_id=family_id
    )
    return await _issue_user_tokens(
        session, user=user, family_id=family_id, scope=scope, policy=policy
    )


async def refresh(
    session: AsyncSession,
    *,
    refresh_token: str,
    scope: str | None,
    policy: TokenPolicy,
    client: ClientInfo = NO_CLIENT,
) -> TokenResponse:
    """Rotate a refresh token: it is spent, and a new one of the same family issued.

    The UPDATE only matches an unspent token, and Postgres re-checks that
    condition after waiting for a concurrent update of the same row, so of two
    simultaneous refreshes exactly one succeeds. The other sees a spent token,
    which is reuse (RFC 9700 §4.14.2): the whole family is revoked, including
    the winner's new token, since a replay and a race look the same.
    """
    granted = _user_scope(scope, policy)
    token_hash = refresh_token_hash(refresh_token)
    spent = (
        await session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > func.now(),
            )
            .values(used_at=func.now())
            .returning(RefreshToken.user_id, RefreshToken.family_id)
        )
    ).one_or_none()
    if spent is None:
        known = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )
        if known is not None and known.used_at is not None and known.revoked_at is None:
            await sessions.revoke_refresh_family(session, family_id=known.family_id)
            await sessions.end_session_tokens(session, family_ids=[known.family_id])
            _record_family_event(session, events.REFRESH_TOKEN_REUSED, known, client)
            await session.commit()
            raise InvalidGrant("Refresh token already used; its session is revoked")
        raise InvalidGrant("Invalid refresh token")
    user_id, family_id = spent
    user = await lock_user(session, user_id)
    if user is None or not user.is_active:
        await sessions.revoke_refresh_family(session, family_id=family_id)
        await session.commit()
        raise InvalidGrant("This account is disabled")
    await sessions.touch_session(session, family_id=family_id)
    response = await _issue_user_tokens(
        session, user=user, family_id=family_id, scope=granted, policy=policy
    )
    await session.commit()
    return response


async def revoke(session: AsyncSession, *, token: str, client: ClientInfo = NO_CLIENT) -> None:
    """RFC 7009: revoke the refresh token's whole family (the login it came
    from), and so its access tokens, within the revocation bound.

    Unknown tokens, access tokens included, need no action; the endpoint
    answers 200 either way so it tells nothing about the token.
    """
    family = select(RefreshToken.family_id).where(
        RefreshToken.token_hash == refresh_token_hash(token)
    )
    ended = (
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id.in_(family.scalar_subquery()))
            .where(RefreshToken.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(RefreshToken.user_id, RefreshToken.family_id)
        )
    ).first()
    if ended is not None:
        await sessions.end_session_tokens(session, family_ids=[ended.family_id])
        _record_family_event(session, events.SESSION_ENDED, ended, client)
    await session.commit()


class _OfFamily(Protocol):
    """A refresh token, or a row naming its user and family."""

    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def family_id(self) -> uuid.UUID: ...


def _record_family_event(
    session: AsyncSession, type: str, token: _OfFamily, client: ClientInfo
) -> None:
    """An event about a refresh token's family: its login session, whose id is the family's."""
    events.record(
        session, type=type, user_id=token.user_id, client=client, session_id=token.family_id
    )


def issue_client_token(
    *, client: ClientCredentials, scope: str | None, policy: TokenPolicy
) -> TokenResponse:
    """Client-credentials grant: only configured clients; users are not clients."""
    config = authenticate_client(client, policy)
    allowed = set(config.scopes)
    requested = set(scope.split()) if scope else allowed
    if not requested <= allowed:
        raise InvalidScope("The requested scope is not allowed for this client")
    granted = " ".join(sorted(requested))
    access_token = policy.signer.sign(
        subject=client.client_id, audience=config.audience, scope=granted
    )
    return TokenResponse(
        access_token=access_token, expires_in=policy.signer.lifetime_seconds, scope=granted
    )


def authenticate_client(client: ClientCredentials, policy: TokenPolicy) -> ClientConfig:
    """The configured client these credentials prove; InvalidClient otherwise."""
    config = policy.clients.get(client.client_id)
    expected = config.secret.get_secret_value() if config is not None else ""
    # Compared even for an unknown client, so timing does not tell which ids exist.
    secret_ok = secrets_equal(client.client_secret, expected)
    if config is None or not secret_ok:
        raise InvalidClient("Client authentication failed")
    return config


def _user_scope(requested: str | None, policy: TokenPolicy) -> str:
    if requested and not set(requested.split()) <= {policy.user_scope}:
        raise InvalidScope("The requested scope is not allowed")
    return policy.user_scope


async def _issue_user_tokens(
    session: AsyncSession,
    *,
    user: User,
    family_id: uuid.UUID,
    scope: str,
    policy: TokenPolicy,
) -> TokenResponse:
    refresh_token = new_refresh_token()
    session.add(
        RefreshToken(
            token_hash=refresh_token_hash(refresh_token),
            family_id=family_id,
            user_id=user.id,
            expires_at=datetime.now(UTC) + policy.refresh_lifetime,
        )
    )
    access_token = policy.signer.sign(
        subject=str(user.id),
        audience=policy.user_audience,
        scope=scope,
        version=user.token_version,
        session_id=family_id,
    )
    return TokenResponse(
        access_token=access_token,
        expires_in=policy.signer.lifetime_seconds,
        scope=scope,
        refresh_token=refresh_token,
    )
