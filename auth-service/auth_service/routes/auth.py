import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, status

from auth_service.accounts import sessions, users
from auth_service.deps import (
    BasicCredentialsDep,
    CallerDep,
    ClientInfoDep,
    CurrentUser,
    HasherDep,
    KeyRingDep,
    PolicyDep,
    SessionDep,
    StateDep,
)
from auth_service.errors import InvalidRequest
from auth_service.models import User
from auth_service.oauth import client_revocations, grants, tokens
from auth_service.oauth.grant_types import GrantRequest
from auth_service.routes.paging import TOTAL_COUNT, PagingDep
from auth_service.routes.shared import (
    EMAIL_TAKEN,
    EMAIL_TAKEN_OR_LAST_SUPERUSER,
    HASHING_BUSY,
    LAST_SUPERUSER,
    NO_STORE,
    OAUTH_ERRORS,
    USER_NOT_FOUND,
    WRONG_CURRENT_PASSWORD,
    superuser_router,
)
from auth_service.schemas import (
    AccountDeletion,
    OAuthErrorBody,
    RegistrationAccepted,
    RevocationList,
    RevokeForm,
    TokenForm,
    TokenResponse,
    UserCreate,
    UserRead,
    UserUpdateAdmin,
    UserUpdateMe,
)
from platform_common.responses import MALFORMED_BODY, UNAUTHORIZED

# One answer whether or not the address has an account (issue 33, finding 4).
REGISTRATION_ACCEPTED = (
    "Check this address's mailbox: a new account's confirmation token is on its way "
    "(or, if the address has an account already, a notice to its owner)"
)


router = APIRouter(prefix="/auth", tags=["auth"])
users_router = superuser_router("/auth/users")
# Never routed by the gateway; only services on the internal network reach it.
internal_router = APIRouter(prefix="/internal", tags=["internal"])


@router.post(
    "/register",
    operation_id="auth-register",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**MALFORMED_BODY, **HASHING_BUSY},
)
async def register(
    data: UserCreate, session: SessionDep, hasher: HasherDep, state: StateDep
) -> RegistrationAccepted:
    """Create an account, unverified, and email the address a confirmation
    token. The answer is the same for an address that has an account
    already: its owner is emailed a notice instead, and nothing changes."""
    await users.register_user(
        session, data=data, hasher=hasher, mail_limit=state.recovery.registration_mail
    )
    return RegistrationAccepted(email=data.email, detail=REGISTRATION_ACCEPTED)


@router.post(
    "/token",
    operation_id="auth-token",
    response_model_exclude_none=True,
    responses=OAUTH_ERRORS,
)
async def token(
    form: Annotated[TokenForm, Form()],
    client: ClientInfoDep,
    response: Response,
    session: SessionDep,
    policy: PolicyDep,
    hasher: HasherDep,
    basic: BasicCredentialsDep,
) -> TokenResponse:
    """OAuth 2.0 token endpoint: `password`, `refresh_token`, `client_credentials` grants."""
    response.headers.update(NO_STORE)
    return await grants.exchange(
        GrantRequest(
            session=session,
            form=form,
            basic=basic,
            client=client,
            policy=policy,
            hasher=hasher,
            response=response,
        )
    )


# response_class=Response: the 200 has no body, and the document must not promise JSON.
@router.post(
    "/revoke",
    operation_id="auth-revoke",
    response_class=Response,
    responses={400: {"model": OAuthErrorBody}},
)
async def revoke(
    request: Request,
    form: Annotated[RevokeForm, Form()],
    session: SessionDep,
    client: ClientInfoDep,
) -> Response:
    """RFC 7009 token revocation; 200 whether or not the token was known."""
    # The form is parsed once (Starlette caches it); only its keys tell a
    # missing `token` (invalid_request, §2.1) from an empty one (unknown, §2.2).
    if "token" not in await request.form():
        raise InvalidRequest("token is required")
    if form.token:
        await tokens.revoke(session, token=form.token, client=client)
    return Response(status_code=status.HTTP_200_OK, headers=NO_STORE)


@router.get("/.well-known/jwks.json", operation_id="auth-jwks")
async def jwks(response: Response, key_ring: KeyRingDep) -> dict[str, Any]:
    """The public keys that sign access tokens (RFC 7517)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return key_ring.jwks()


@router.get("/me", operation_id="me-read", response_model=UserRead, responses=UNAUTHORIZED)
async def read_me(user: CurrentUser) -> User:
    return user


@router.patch(
    "/me",
    operation_id="me-update",
    response_model=UserRead,
    responses={
        **MALFORMED_BODY,
        **UNAUTHORIZED,
        **EMAIL_TAKEN,
        **WRONG_CURRENT_PASSWORD,
        **HASHING_BUSY,
    },
)
async def update_me(data: UserUpdateMe, me: CallerDep, hasher: HasherDep) -> User:
    """A new `email` is pending until confirmed: a token is sent to it (POST
    /auth/verify), the old address is told, and the answer shows the old one."""
    updated = await users.update_own_account(
        me.session,
        user=me.user,
        data=data,
        hasher=hasher,
        proof_limit=me.policy.login_limits.per_account_address,
        client=me.client,
    )
    return updated


@router.delete(
    "/me",
    operation_id="me-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **MALFORMED_BODY,
        **UNAUTHORIZED,
        **WRONG_CURRENT_PASSWORD,
        **LAST_SUPERUSER,
        **HASHING_BUSY,
    },
)
async def delete_me(data: AccountDeletion, me: CallerDep, hasher: HasherDep) -> None:
    await me.prove_password(data.current_password, hasher)
    await users.delete_user(me.session, user_id=me.user.id, client=me.client)


@users_router.get(
    "", operation_id="users-list", response_model=list[UserRead], responses=TOTAL_COUNT
)
async def list_users(session: SessionDep, paging: PagingDep) -> Sequence[User]:
    return paging.answer(await users.list_users(session, offset=paging.offset, limit=paging.limit))


@users_router.get(
    "/{user_id}", operation_id="users-read", response_model=UserRead, responses=USER_NOT_FOUND
)
async def read_user(user_id: uuid.UUID, session: SessionDep) -> User:
    user = await users.get_user(session, user_id=user_id)
    return user


@users_router.patch(
    "/{user_id}",
    operation_id="users-update",
    response_model=UserRead,
    responses={
        **USER_NOT_FOUND,
        **EMAIL_TAKEN_OR_LAST_SUPERUSER,
        **MALFORMED_BODY,
        **HASHING_BUSY,
    },
)
async def update_user(
    user_id: uuid.UUID,
    data: UserUpdateAdmin,
    session: SessionDep,
    hasher: HasherDep,
    client: ClientInfoDep,
) -> User:
    """A new `email` applies at once, unverified; a token is sent to it."""
    user = await users.update_user(
        session, user_id=user_id, data=data, hasher=hasher, client=client
    )
    return user


@users_router.delete(
    "/{user_id}",
    operation_id="users-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**USER_NOT_FOUND, **LAST_SUPERUSER},
)
async def delete_user(user_id: uuid.UUID, session: SessionDep, client: ClientInfoDep) -> None:
    await users.delete_user(session, user_id=user_id, client=client)


@internal_router.get("/revocations", operation_id="internal-revocations-list")
async def list_revocations(session: SessionDep, state: StateDep) -> RevocationList:
    """Accounts changed, deactivated or deleted, sessions ended and clients
    revoked within the last access-token lifetime (plus a margin): verifiers
    poll this and refuse the tokens they ended.

    Unauthenticated and cheap (an indexed range scan per kind): user, session
    and client ids are all it tells, and every verifier replica asks every
    couple of seconds.
    """
    window = state.revocation_window
    return RevocationList.of(
        await sessions.list_revocations(session, window=window),
        await sessions.list_session_revocations(session, window=window),
        await client_revocations.list_client_revocations(session, window=window),
    )
