"""Users and tokens. Each function that writes owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.config import ClientConfig
from auth_service.errors import (
    EmailTaken,
    IncorrectPassword,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnsupportedGrantType,
    UserNotFound,
)
from auth_service.models import USER_DELETED, OutboxEvent, RefreshToken, SubjectRevocation, User
from auth_service.schemas import (
    PASSWORD_MAX_LENGTH,
    TokenResponse,
    UserCreate,
    UserUpdateAdmin,
    UserUpdateMe,
)
from auth_service.security import (
    AccessTokenSigner,
    PasswordHasher,
    new_refresh_token,
    refresh_token_hash,
    secrets_equal,
)

# One answer for an unknown email and a wrong password (RFC 6749 §5.2 invalid_grant).
BAD_CREDENTIALS = "Incorrect email or password"


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """What the tokens look like; built once from the settings."""

    signer: AccessTokenSigner
    user_audience: str
    user_scope: str
    refresh_lifetime: timedelta
    clients: Mapping[str, ClientConfig]


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """The form fields of `POST /auth/token`, each as sent (None when absent)."""

    grant_type: str | None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str


# --- users -----------------------------------------------------------------


async def register_user(session: AsyncSession, *, data: UserCreate, hasher: PasswordHasher) -> User:
    user = User(
        email=data.email,
        hashed_password=await hasher.hash(data.password),
        full_name=data.full_name,
        is_active=True,
        is_superuser=False,
    )
    session.add(user)
    await _commit_user(session)
    return user


async def ensure_superuser(
    session: AsyncSession, *, email: str, password: str, hasher: PasswordHasher
) -> bool:
    """Create the first superuser unless that email exists; True when created.

    INSERT ... ON CONFLICT: several workers starting at once create one user.
    An existing account is left as it is (its password may have been changed).
    """
    email = email.lower()
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        return False
    statement = (
        insert(User)
        .values(
            id=uuid.uuid4(),
            email=email,
            hashed_password=await hasher.hash(password),
            is_active=True,
            is_superuser=True,
        )
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User.id)
    )
    created = await session.scalar(statement)
    await session.commit()
    return created is not None


async def get_user(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound
    return user


async def get_active_user(session: AsyncSession, *, user_id: uuid.UUID) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None


async def list_users(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    page = await session.scalars(
        select(User).order_by(User.created_at, User.id).offset(offset).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(User))
    return page.all(), total or 0


async def update_own_account(
    session: AsyncSession, *, user: User, data: UserUpdateMe, hasher: PasswordHasher
) -> User:
    if data.password is not None:
        assert data.current_password is not None  # the schema insists
        matches, _ = await hasher.verify(data.current_password, user.hashed_password)
        if not matches:
            raise IncorrectPassword
    return await _apply_update(
        session, user=user, changes=data.model_dump(exclude_unset=True), hasher=hasher
    )


async def update_user(
    session: AsyncSession, *, user_id: uuid.UUID, data: UserUpdateAdmin, hasher: PasswordHasher
) -> User:
    user = await get_user(session, user_id=user_id)
    return await _apply_update(
        session, user=user, changes=data.model_dump(exclude_unset=True), hasher=hasher
    )


async def _apply_update(
    session: AsyncSession, *, user: User, changes: dict[str, object], hasher: PasswordHasher
) -> User:
    changes.pop("current_password", None)
    password = changes.pop("password", None)
    if isinstance(password, str):
        user.hashed_password = await hasher.hash(password)
        # Whoever knew the old password must not keep a session through it.
        await _revoke_user_refresh_tokens(session, user_id=user.id)
    if changes.get("is_active") is False:
        await _revoke_user_refresh_tokens(session, user_id=user.id)
        await _revoke_access_tokens(session, user_id=user.id)
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = datetime.now(UTC)
    await _commit_user(session)
    return user


async def delete_user(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Delete the account and, through the foreign key's cascade, its refresh tokens.

    One transaction: the outbox event that asks notes-service to purge the
    user's notes (auth_service.outbox delivers it) and the revocation of the
    user's access tokens are written with the deletion, so that all of it
    happens together or not at all.
    """
    deleted = await session.scalar(delete(User).where(User.id == user_id).returning(User.id))
    if deleted is None:
        raise UserNotFound
    session.add(OutboxEvent(kind=USER_DELETED, payload={"user_id": str(user_id)}))
    await _revoke_access_tokens(session, user_id=user_id)
    await session.commit()


async def list_revocations(
    session: AsyncSession, *, window: timedelta
) -> Sequence[SubjectRevocation]:
    """Revocations younger than `window`: older ones only concern expired tokens."""
    rows = await session.scalars(
        select(SubjectRevocation)
        .where(SubjectRevocation.revoked_at > func.now() - window)
        .order_by(SubjectRevocation.revoked_at)
    )
    return rows.all()


async def _revoke_access_tokens(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Record that the user's access tokens issued until now are void (see
    platform_common.revocations); a later revocation moves the moment forward."""
    statement = insert(SubjectRevocation).values(user_id=user_id, revoked_at=func.now())
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SubjectRevocation.user_id],
            set_={"revoked_at": statement.excluded.revoked_at},
        )
    )


async def _commit_user(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        if "uq_users_email" in str(exc.orig):
            raise EmailTaken from None
        raise


# --- tokens ----------------------------------------------------------------


async def exchange(
    session: AsyncSession,
    *,
    request: TokenRequest,
    client: ClientCredentials | None,
    policy: TokenPolicy,
    hasher: PasswordHasher,
) -> TokenResponse:
    """The token endpoint (RFC 6749 §4.3, §4.4, §6)."""
    if request.grant_type is None:
        raise InvalidRequest("grant_type is required")
    if request.grant_type == "password":
        if request.username is None or request.password is None:
            raise InvalidRequest("username and password are required")
        return await login(
            session,
            email=request.username,
            password=request.password,
            scope=request.scope,
            policy=policy,
            hasher=hasher,
        )
    if request.grant_type == "refresh_token":
        if request.refresh_token is None:
            raise InvalidRequest("refresh_token is required")
        return await refresh(
            session, refresh_token=request.refresh_token, scope=request.scope, policy=policy
        )
    if request.grant_type == "client_credentials":
        if client is None:
            raise InvalidClient("client authentication is required")
        return issue_client_token(client=client, scope=request.scope, policy=policy)
    raise UnsupportedGrantType(f"grant type {request.grant_type!r} is not supported")


async def login(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    scope: str | None,
    policy: TokenPolicy,
    hasher: PasswordHasher,
) -> TokenResponse:
    granted = _user_scope(scope, policy)
    if len(password) > PASSWORD_MAX_LENGTH:
        # No account has such a password; refusing before hashing keeps a
        # megabyte of input from costing a megabyte of argon2.
        raise InvalidGrant(BAD_CREDENTIALS)
    user = await session.scalar(select(User).where(User.email == email.lower()))
    matches, upgraded_hash = await hasher.verify(
        password, user.hashed_password if user is not None else None
    )
    if user is None or not matches:
        raise InvalidGrant(BAD_CREDENTIALS)
    if not user.is_active:
        raise InvalidGrant("This account is disabled")
    if upgraded_hash is not None:
        user.hashed_password = upgraded_hash
    response = await _issue_user_tokens(
        session, user_id=user.id, family_id=uuid.uuid4(), scope=granted, policy=policy
    )
    await session.commit()
    return response


async def refresh(
    session: AsyncSession, *, refresh_token: str, scope: str | None, policy: TokenPolicy
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
            await _revoke_family(session, family_id=known.family_id)
            await session.commit()
            raise InvalidGrant("Refresh token already used; its session is revoked")
        raise InvalidGrant("Invalid refresh token")
    user_id, family_id = spent
    if await get_active_user(session, user_id=user_id) is None:
        await _revoke_family(session, family_id=family_id)
        await session.commit()
        raise InvalidGrant("This account is disabled")
    response = await _issue_user_tokens(
        session, user_id=user_id, family_id=family_id, scope=granted, policy=policy
    )
    await session.commit()
    return response


async def revoke(session: AsyncSession, *, token: str) -> None:
    """RFC 7009: revoke the refresh token's whole family (the login it came from).

    Unknown tokens, access tokens included, need no action; the endpoint
    answers 200 either way so it tells nothing about the token.
    """
    family = select(RefreshToken.family_id).where(
        RefreshToken.token_hash == refresh_token_hash(token)
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id.in_(family.scalar_subquery()))
        .where(RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    await session.commit()


def issue_client_token(
    *, client: ClientCredentials, scope: str | None, policy: TokenPolicy
) -> TokenResponse:
    """Client-credentials grant: only configured clients; users are not clients."""
    config = policy.clients.get(client.client_id)
    expected = config.secret.get_secret_value() if config is not None else ""
    # Compared even for an unknown client, so timing does not tell which ids exist.
    secret_ok = secrets_equal(client.client_secret, expected)
    if config is None or not secret_ok:
        raise InvalidClient("Client authentication failed")
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


def _user_scope(requested: str | None, policy: TokenPolicy) -> str:
    if requested and not set(requested.split()) <= {policy.user_scope}:
        raise InvalidScope("The requested scope is not allowed")
    return policy.user_scope


async def _issue_user_tokens(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    family_id: uuid.UUID,
    scope: str,
    policy: TokenPolicy,
) -> TokenResponse:
    refresh_token = new_refresh_token()
    session.add(
        RefreshToken(
            token_hash=refresh_token_hash(refresh_token),
            family_id=family_id,
            user_id=user_id,
            expires_at=datetime.now(UTC) + policy.refresh_lifetime,
        )
    )
    access_token = policy.signer.sign(
        subject=str(user_id), audience=policy.user_audience, scope=scope
    )
    return TokenResponse(
        access_token=access_token,
        expires_in=policy.signer.lifetime_seconds,
        scope=scope,
        refresh_token=refresh_token,
    )


async def _revoke_family(session: AsyncSession, *, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def _revoke_user_refresh_tokens(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
