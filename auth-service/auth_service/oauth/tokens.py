"""What the grants do (RFC 6749: password, refresh, client credentials) and
revocation (RFC 7009); auth_service.oauth.grants maps grant types to them.
Each function that writes owns its transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import amr as methods
from auth_service.accounts import events, mfa_challenges, sessions, throttle, totp
from auth_service.accounts.events import NO_CLIENT, ClientInfo
from auth_service.accounts.throttle import LoginAttempt, LoginLimits
from auth_service.accounts.totp import MfaPolicy
from auth_service.accounts.users import lock_user
from auth_service.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    LoginThrottled,
    MfaRequired,
    UnauthorizedClient,
)
from auth_service.models import LoginSession, RefreshToken, User
from auth_service.oauth import clients
from auth_service.schemas import PASSWORD_MAX_LENGTH, IntrospectForm, TokenForm, TokenResponse
from auth_service.security import (
    AccessTokenSigner,
    PasswordHasher,
    new_refresh_token,
    refresh_token_hash,
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
    login_limits: LoginLimits
    # The second factor: TOTP secrets' encryption, attempts per account.
    mfa: MfaPolicy
    # AUTH_REQUIRE_VERIFIED_EMAIL: the password grant refuses unverified accounts.
    require_verified_email: bool = False
    # AUTH_CLIENT_SECRET_GRACE_SECONDS: a rotated-out client secret works this long.
    client_secret_grace: timedelta = timedelta(days=1)
    # AUTH_PASSWORD_GRANT_WITHOUT_CLIENT: the password grant for requests naming
    # no client (deprecated; answered with a Deprecation header).
    password_grant_without_client: bool = True


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str


def client_credentials(
    basic: ClientCredentials | None, form: TokenForm | IntrospectForm
) -> ClientCredentials | None:
    """client_secret_basic or client_secret_post (RFC 6749 §2.3.1), not both.
    Basic credentials with no client id (Swagger UI's password flow sends
    `Basic Og==`) name no client."""
    if basic is not None and not basic.client_id:
        basic = None
    if basic is not None:
        if form.client_secret is not None:
            raise InvalidRequest("use one client authentication method, not two")
        return basic
    if form.client_id is not None and form.client_secret is not None:
        return ClientCredentials(client_id=form.client_id, client_secret=form.client_secret)
    return None


@dataclass(frozen=True, slots=True)
class LoginProof:
    """What a sign-in proved, for lock_for_login to re-check under the row lock:
    the hash the password was checked against, or the token version the first
    step of a two-step sign-in saw (a change since refuses the login)."""

    user_id: uuid.UUID
    verified_hash: str | None = None
    upgraded_hash: str | None = None  # the hash in today's parameters, to store
    token_version: int | None = None


@dataclass(frozen=True, slots=True)
class CheckedPassword:
    """A person's password, checked (auth_service.oauth.tokens.check_password)."""

    user_id: uuid.UUID
    verified_hash: str
    upgraded_hash: str | None  # the hash in today's parameters, to store
    known: bool  # the address had logged into the account (throttle.record_success)
    attempt: LoginAttempt

    @property
    def proof(self) -> LoginProof:
        return LoginProof(self.user_id, self.verified_hash, self.upgraded_hash)


async def check_password(
    session: AsyncSession,
    *,
    attempt: LoginAttempt,
    password: str,
    policy: TokenPolicy,
    hasher: PasswordHasher,
    client: ClientInfo = NO_CLIENT,
) -> CheckedPassword:
    """Every sign-in with a password (the password grant, the sign-in page):
    counted by the one login throttle before the check, one answer for an
    unknown email and a wrong password, in steps that hold no connection while
    hashing: count the attempt (auth_service.accounts.throttle, its own
    committed transaction), look the user up in a short transaction, verify
    with no transaction open. InvalidGrant or LoginThrottled otherwise."""
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
    if candidate is None or stored_hash is None or not matches:
        user_id = candidate.id if candidate is not None else None
        await _record_failure(session, events.LOGIN_FAILED, user_id=user_id, client=client)
        raise InvalidGrant(BAD_CREDENTIALS)
    return CheckedPassword(candidate.id, stored_hash, upgraded_hash, known, attempt)


async def login(
    session: AsyncSession,
    *,
    attempt: LoginAttempt,
    password: str,
    scope: str | None,
    policy: TokenPolicy,
    hasher: PasswordHasher,
    client: ClientInfo = NO_CLIENT,
    client_id: str | None = None,
) -> TokenResponse:
    """The password grant: the password checked, then the row locked and the
    tokens issued in a new transaction. For an account with TOTP on,
    MfaRequired instead, with the mfa_token of the second step (the mfa-otp
    grant), bound to the scope and to `client_id`, the client named."""
    granted = _user_scope(scope, policy)
    checked = await check_password(
        session, attempt=attempt, password=password, policy=policy, hasher=hasher, client=client
    )
    if await totp.is_enabled(session, user_id=checked.user_id):
        user = await lock_for_login(session, checked.proof, policy=policy)
        mfa_token = mfa_challenges.start(
            session,
            user_id=user.id,
            token_version=user.token_version,
            purpose=mfa_challenges.TOKEN_GRANT,
            client_id=client_id,
            scope=granted,
        )
        # The password was right: the login throttle counts it as a success.
        await record_login(session, checked, policy=policy)
        await session.commit()
        raise MfaRequired(mfa_token=mfa_token)
    response = await issue_for_login(
        session, checked.proof, scope=granted, policy=policy, client=client
    )
    await record_login(session, checked, policy=policy)
    await session.commit()
    return response


async def record_login(
    session: AsyncSession, checked: CheckedPassword, *, policy: TokenPolicy
) -> None:
    """In the login's transaction: the throttle's success (the caller commits)."""
    await throttle.record_success(
        session,
        attempt=checked.attempt,
        known=checked.known,
        user_id=checked.user_id,
        limits=policy.login_limits,
    )


async def _record_failure(
    session: AsyncSession, type: str, *, user_id: uuid.UUID | None, client: ClientInfo
) -> None:
    """A refused login's event, in a short transaction of its own (one INSERT:
    nothing else changes, and a burst of failures must stay cheap)."""
    events.record(session, type=type, user_id=user_id, client=client)
    await session.commit()


async def issue_for_login(
    session: AsyncSession,
    proof: LoginProof,
    *,
    scope: str,
    policy: TokenPolicy,
    client: ClientInfo,
    amr: tuple[str, ...] = methods.PASSWORD_ONLY,
) -> TokenResponse:
    """Lock the user's row, re-check it against `proof`, and issue a new
    login's tokens (a new session, signed in with `amr`); the caller commits.

    A deactivation or credential change updates the same row (auth_service.
    sessions), so under the lock this login reads either the state before it
    (and its token's version is refused once the change commits) or after it
    (and is refused here). The proof's `verified_hash` is the hash the password
    was checked against, if any: a password changed meanwhile refuses the login.
    """
    user = await lock_for_login(session, proof, policy=policy)
    family_id = sessions.start_session(
        session, user_id=user.id, client=client, scope=scope, amr=amr
    )
    return await issue_user_tokens(
        session, user=user, family_id=family_id, scope=scope, policy=policy, amr=amr
    )


async def lock_for_login(session: AsyncSession, proof: LoginProof, *, policy: TokenPolicy) -> User:
    """The user's row, locked and re-checked for a login (still there, the
    password it was checked against or the token version seen, active,
    verified where required); InvalidGrant, the transaction rolled back, otherwise."""
    user = await lock_user(session, proof.user_id)
    if (
        user is None
        or (proof.verified_hash is not None and user.hashed_password != proof.verified_hash)
        or (proof.token_version is not None and user.token_version != proof.token_version)
    ):
        await session.rollback()
        raise InvalidGrant(BAD_CREDENTIALS)
    if not user.is_active:
        await session.rollback()
        raise InvalidGrant("This account is disabled")
    if policy.require_verified_email and not user.is_verified:
        await session.rollback()
        raise InvalidGrant(UNVERIFIED)
    if proof.upgraded_hash is not None:
        user.hashed_password = proof.upgraded_hash
    return user


async def refresh(
    session: AsyncSession,
    *,
    refresh_token: str,
    scope: str | None,
    policy: TokenPolicy,
    client: ClientInfo = NO_CLIENT,
    client_id: str | None = None,
    client_authenticated: bool = False,
) -> TokenResponse:
    """Rotate a refresh token: it is spent, and a new one of the same family issued.

    A session granted to an app (the authorization code flow) is refreshed by
    that app alone (`client_id`; a confidential one authenticated), with the
    scope it was granted or less.

    The UPDATE only matches an unspent token, and Postgres re-checks that
    condition after waiting for a concurrent update of the same row, so of two
    simultaneous refreshes exactly one succeeds. The other sees a spent token,
    which is reuse (RFC 9700 §4.14.2): the whole family is revoked, including
    the winner's new token, since a replay and a race look the same.
    """
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
    granted = await _refresh_scope(
        session,
        family_id=family_id,
        requested=scope,
        policy=policy,
        client_id=client_id,
        client_authenticated=client_authenticated,
    )
    await sessions.touch_session(session, family_id=family_id)
    app, amr = (
        await session.execute(
            select(LoginSession.client_id, LoginSession.amr).where(LoginSession.id == family_id)
        )
    ).one_or_none() or (None, None)
    response = await issue_user_tokens(
        session,
        user=user,
        family_id=family_id,
        scope=granted,
        policy=policy,
        client_id=app,
        amr=methods.stored(amr),
    )
    await session.commit()
    return response


async def _refresh_scope(
    session: AsyncSession,
    *,
    family_id: uuid.UUID,
    requested: str | None,
    policy: TokenPolicy,
    client_id: str | None,
    client_authenticated: bool,
) -> str:
    """The scope of a refreshed session's new tokens; the errors roll back."""
    login = await session.get(LoginSession, family_id)
    if login is not None and login.client_id is not None:
        registered = await clients.find(session, login.client_id)
        if client_id != login.client_id or registered is None or not registered.enabled:
            await session.rollback()
            raise InvalidGrant("This refresh token was issued to another client")
        if registered.confidential and not client_authenticated:
            await session.rollback()
            raise InvalidClient("client authentication is required")
    # A session from before scopes were stored has the user scope.
    stored = login.scope if login is not None else None
    original = set((stored or policy.user_scope).split())
    wanted = set(requested.split()) if requested else original
    if not wanted <= original:
        await session.rollback()
        raise InvalidScope("The requested scope exceeds the one granted")
    return " ".join(sorted(wanted))


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


async def issue_client_token(
    session: AsyncSession, *, client: ClientCredentials, scope: str | None, policy: TokenPolicy
) -> TokenResponse:
    """Client-credentials grant: registered confidential clients allowed it;
    users are not clients."""
    registered = await clients.authenticate(
        session, client_id=client.client_id, secret=client.client_secret
    )
    await session.commit()
    if clients.CLIENT_CREDENTIALS not in registered.grant_types or registered.audience is None:
        raise UnauthorizedClient("this client may not use the client_credentials grant")
    allowed = set(registered.scopes)
    requested = set(scope.split()) if scope else allowed
    if not requested <= allowed:
        raise InvalidScope("The requested scope is not allowed for this client")
    granted = " ".join(sorted(requested))
    access_token = policy.signer.sign(
        subject=client.client_id,
        audience=registered.audience,
        scope=granted,
        client_id=client.client_id,
    )
    return TokenResponse(
        access_token=access_token, expires_in=policy.signer.lifetime_seconds, scope=granted
    )


def _user_scope(requested: str | None, policy: TokenPolicy) -> str:
    """A password login's scope: AUTH_USER_SCOPE, or narrower user scopes."""
    if not requested:
        return policy.user_scope
    wanted = set(requested.split())
    if not wanted <= clients.USER_SCOPES - {"openid", "offline_access"}:
        raise InvalidScope("The requested scope is not allowed")
    return " ".join(sorted(wanted))


async def issue_user_tokens(
    session: AsyncSession,
    *,
    user: User,
    family_id: uuid.UUID,
    scope: str,
    policy: TokenPolicy,
    with_refresh: bool = True,
    client_id: str | None = None,
    amr: tuple[str, ...] = methods.PASSWORD_ONLY,
) -> TokenResponse:
    """The tokens of a user's session; `client_id` when an app holds them
    (RFC 9068 §2.2: disabling the app ends them through the revocation list);
    `amr` how the session was signed in (a refresh keeps it)."""
    refresh_token = new_refresh_token() if with_refresh else None
    if refresh_token is not None:
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
        client_id=client_id,
        amr=amr,
    )
    return TokenResponse(
        access_token=access_token,
        expires_in=policy.signer.lifetime_seconds,
        scope=scope,
        refresh_token=refresh_token,
    )
