"""The `Annotated` dependencies the routes take: the application state
(auth_service.state) is reached only through these."""

import base64
import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import sessions, users
from auth_service.accounts.events import ClientInfo
from auth_service.accounts.throttle import client_address
from auth_service.errors import InvalidClient, NotSuperuser
from auth_service.models import User
from auth_service.oauth import client_revocations
from auth_service.oauth.keys import KeyRing
from auth_service.oauth.tokens import ClientCredentials, TokenPolicy
from auth_service.security import PasswordHasher, verified_token_claims
from auth_service.state import AuthState
from platform_common.app_state import app_state, session_dependency
from platform_common.bearer import Claims, oauth2_scheme, unauthorized
from platform_common.observability import request_id_var

# Dependencies are `async def` even where they do not await
# (platform_common.app_state says why).
auth_state = app_state("auth", AuthState)
StateDep = Annotated[AuthState, Depends(auth_state)]
get_session = session_dependency(auth_state)
SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def password_hasher(state: StateDep) -> PasswordHasher:
    return state.hasher


async def token_policy(state: StateDep) -> TokenPolicy:
    return state.token_policy


async def key_ring(state: StateDep) -> KeyRing:
    return state.key_ring


HasherDep = Annotated[PasswordHasher, Depends(password_hasher)]
PolicyDep = Annotated[TokenPolicy, Depends(token_policy)]
KeyRingDep = Annotated[KeyRing, Depends(key_ring)]


async def token_user(claims: Claims, session: SessionDep) -> User:
    """The token's user, who must still exist and be active: tokens outlive changes."""
    try:
        user_id = uuid.UUID(claims.subject)
    except ValueError:
        raise unauthorized("token subject is not a user") from None
    user = await users.get_active_user(session, user_id=user_id)
    if user is None:
        raise unauthorized("user not found or inactive")
    # Here at once; the other verifiers within a poll of the revocation list.
    if claims.version < user.token_version or await client_revocations.token_ended(session, claims):
        raise unauthorized("token revoked")
    return user


TokenUser = Annotated[User, Depends(token_user)]


async def current_user(
    user: TokenUser, token: Annotated[str | None, Depends(oauth2_scheme)], session: SessionDep
) -> User:
    """The account's holder: a token of the person's own sign-in (the password
    grant, a first-party app), never one a third-party app holds for them. An
    app granted `notes:read` must not be able to change the password or delete
    the account (403 insufficient_scope)."""
    sid = verified_token_claims(token).get("sid") if token else None
    try:
        family_id = uuid.UUID(str(sid)) if sid is not None else None
    except ValueError:
        family_id = None
    if family_id is not None and not await sessions.is_own_sign_in(session, family_id=family_id):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="This token was issued to an app; the account is managed with one's own sign-in",
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def current_session_id(
    _user: CurrentUser, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> uuid.UUID | None:
    """The session (refresh-token family) of the request's access token, from
    its `sid` claim; None for a token issued before sessions had ids. The
    token is verified by the time this runs (CurrentUser)."""
    sid = verified_token_claims(token).get("sid") if token else None
    try:
        return uuid.UUID(str(sid)) if sid is not None else None
    except ValueError:
        return None


CurrentSessionId = Annotated[uuid.UUID | None, Depends(current_session_id)]


async def client_info(request: Request) -> ClientInfo:
    """Who is asking: the address (behind the gateway, the one it forwards:
    ProxyHeadersMiddleware), the user agent, the request id."""
    return ClientInfo.of(
        client_address(request.client.host if request.client else None),
        request.headers.get("User-Agent"),
        request_id_var.get(),
    )


ClientInfoDep = Annotated[ClientInfo, Depends(client_info)]


@dataclass(frozen=True, slots=True)
class Caller:
    """A person acting on their own account, with what such acts need (one
    dependency instead of the same four in each route)."""

    user: User
    session: AsyncSession
    policy: TokenPolicy
    client: ClientInfo

    async def prove_password(self, password: str, hasher: PasswordHasher) -> None:
        """The current password, which a sensitive act on one's own account
        needs; counted per account and address like a login attempt."""
        await users.check_current_password(
            self.session,
            user=self.user,
            password=password,
            hasher=hasher,
            limit=self.policy.login_limits.per_account_address,
        )


async def caller(
    user: CurrentUser, session: SessionDep, policy: PolicyDep, client: ClientInfoDep
) -> Caller:
    return Caller(user, session, policy, client)


CallerDep = Annotated[Caller, Depends(caller)]


async def current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise NotSuperuser
    return user


Superuser = Annotated[User, Depends(current_superuser)]


async def basic_credentials(request: Request) -> ClientCredentials | None:
    """client_secret_basic (RFC 6749 §2.3.1), when the Authorization header is Basic."""
    header = request.headers.get("Authorization")
    if header is None or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8 once decoded
        raise InvalidClient("malformed Basic credentials") from None
    name, separator, secret = decoded.partition(":")
    if not separator:
        raise InvalidClient("malformed Basic credentials")
    # The id and secret are form-encoded before base64 (RFC 6749 §2.3.1).
    return ClientCredentials(client_id=unquote_plus(name), client_secret=unquote_plus(secret))


BasicCredentialsDep = Annotated[ClientCredentials | None, Depends(basic_credentials)]
