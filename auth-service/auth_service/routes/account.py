"""The account lifecycle's routes: password recovery, email verification,
sessions, security events, and the standard OAuth endpoints (RFC 8414
metadata, RFC 7662 introspection)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, Response, status

from auth_service.accounts import events, recovery, sessions
from auth_service.accounts.events import EventFilter
from auth_service.deps import (
    BasicCredentialsDep,
    ClientInfoDep,
    CurrentSessionId,
    CurrentUser,
    HasherDep,
    SessionDep,
    StateDep,
)
from auth_service.errors import (
    AuthorizationNotFound,
    InvalidClient,
    InvalidRequest,
    SessionNotFound,
)
from auth_service.models import SecurityEvent
from auth_service.oauth import browser_sessions, clients, consents, introspection, tokens
from auth_service.oauth.introspection import METADATA_PATH
from auth_service.routes.paging import TOTAL_COUNT, Paging, PagingDep
from auth_service.routes.shared import (
    EMAIL_TAKEN,
    HASHING_BUSY,
    NO_STORE,
    RETRY_AFTER,
    documented,
    superuser_router,
)
from auth_service.schemas import (
    Accepted,
    AuthorizationRead,
    ClientId,
    EmailVerification,
    IntrospectForm,
    IntrospectionResponse,
    OAuthErrorBody,
    PasswordResetConfirm,
    PasswordResetRequest,
    SecurityEventRead,
    SessionRead,
)
from platform_common.responses import MALFORMED_BODY, UNAUTHORIZED, ErrorDetail

RESET_ACCEPTED = "If an account has this address, a password-reset email is on its way"
INVALID_TOKEN = documented(400, "Invalid or expired token")
EventType = Literal[
    "login.succeeded",
    "login.failed",
    "login.throttled",
    "password.changed",
    "password.reset",
    "email.change_requested",
    "email.changed",
    "email.verified",
    "refresh_token.reused",
    "session.ended",
    "session.ended_all",
    "account.deactivated",
    "account.deleted",
    "client.created",
    "client.updated",
    "client.disabled",
    "client.deleted",
    "client.secret_rotated",
    "authorization.revoked",
    "mfa.totp_enabled",
    "mfa.totp_disabled",
    "mfa.recovery_code_used",
    "mfa.recovery_codes_regenerated",
    "mfa.failed",
    "personal_token.created",
    "personal_token.revoked",
    "personal_token.leaked",
    "personal_token.expiring",
    "personal_token.new_address",
]
assert set(EventType.__args__) == set(events.EVENT_TYPES)  # type: ignore[attr-defined]

router = APIRouter(prefix="/auth", tags=["account"])
events_router = superuser_router("/auth/events")
# The one route outside /auth: where RFC 8414 §3.1 puts the metadata of the
# issuer `<public URL>/auth` (the gateway forwards this exact path here).
well_known_router = APIRouter(tags=["account"])


@router.post(
    "/password-reset",
    operation_id="auth-password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **MALFORMED_BODY,
        429: {
            "model": ErrorDetail,
            "description": "Too many reset requests for this address or from this client",
            "headers": RETRY_AFTER,
        },
    },
)
async def request_password_reset(
    data: PasswordResetRequest, session: SessionDep, state: StateDep, client: ClientInfoDep
) -> Accepted:
    """Email a single-use reset token to the account with this address, if any.

    The answer, and the work done, are the same whether or not it exists."""
    await recovery.request_password_reset(
        session, email=data.email, client=client, policy=state.recovery
    )
    return Accepted(detail=RESET_ACCEPTED)


@router.post(
    "/password-reset/confirm",
    operation_id="auth-password-reset-confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**MALFORMED_BODY, **INVALID_TOKEN, **HASHING_BUSY},
)
async def confirm_password_reset(
    data: PasswordResetConfirm, session: SessionDep, hasher: HasherDep, client: ClientInfoDep
) -> None:
    """Set a new password with the emailed token; every session of the account ends."""
    await recovery.confirm_password_reset(
        session, token=data.token, new_password=data.new_password, hasher=hasher, client=client
    )


@router.post(
    "/verify",
    operation_id="auth-verify-email",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**MALFORMED_BODY, **INVALID_TOKEN, **EMAIL_TAKEN},
)
async def verify_email(data: EmailVerification, session: SessionDep, client: ClientInfoDep) -> None:
    """Prove an address with the emailed token: the account's (it becomes
    verified) or a requested new one (it replaces the old; sessions end)."""
    await recovery.verify_email(session, token=data.token, client=client)


@router.get("/me/sessions", operation_id="me-sessions-list", responses=UNAUTHORIZED)
async def list_my_sessions(
    user: CurrentUser, current: CurrentSessionId, session: SessionDep
) -> list[SessionRead]:
    """The account's live sessions (logins), most recently used first."""
    rows = await sessions.list_sessions(session, user_id=user.id)
    return [
        SessionRead.model_validate(row).model_copy(update={"current": row.id == current})
        for row in rows
    ]


@router.delete(
    "/me/sessions/{session_id}",
    operation_id="me-sessions-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, 404: {"model": ErrorDetail, "description": "No such session"}},
)
async def end_my_session(
    session_id: uuid.UUID, user: CurrentUser, session: SessionDep, client: ClientInfoDep
) -> None:
    """End one session: its refresh tokens are revoked, and its access tokens
    refused within the revocation bound."""
    if not await sessions.end_session(session, user_id=user.id, session_id=session_id):
        raise SessionNotFound
    await sessions.end_session_tokens(session, family_ids=[session_id])
    events.record(
        session, type=events.SESSION_ENDED, user_id=user.id, client=client, session_id=session_id
    )
    await session.commit()


@router.post(
    "/logout",
    operation_id="auth-logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=UNAUTHORIZED,
)
async def logout(
    request: Request,
    response: Response,
    user: CurrentUser,
    current: CurrentSessionId,
    session: SessionDep,
    client: ClientInfoDep,
    everywhere: bool = False,
) -> None:
    """End this session; with `everywhere=true`, every session of the account.
    The access tokens of what ends are refused within the revocation bound. The
    browser's sign-in session of the authorization pages ends too."""
    await browser_sessions.end(session, request.cookies.get(browser_sessions.COOKIE))
    response.delete_cookie(browser_sessions.COOKIE, path="/auth")
    if everywhere:
        await sessions.end_sessions(session, user=user)
        events.record(session, type=events.ALL_SESSIONS_ENDED, user_id=user.id, client=client)
    elif current is not None:
        # Listed even if no refresh token of it was left to revoke: the token
        # that asked to log out is one of its access tokens.
        await sessions.end_session_tokens(session, family_ids=[current])
        if await sessions.end_session(session, user_id=user.id, session_id=current):
            events.record(
                session,
                type=events.SESSION_ENDED,
                user_id=user.id,
                client=client,
                session_id=current,
            )
    await session.commit()


async def _page(session: SessionDep, where: EventFilter, paging: Paging) -> Sequence[SecurityEvent]:
    result = await events.list_events(
        session, where=where, offset=paging.offset, limit=paging.limit
    )
    return paging.answer(result)


@router.get(
    "/me/events",
    operation_id="me-events-list",
    response_model=list[SecurityEventRead],
    responses={**UNAUTHORIZED, **TOTAL_COUNT},
)
async def list_my_events(
    user: CurrentUser, session: SessionDep, paging: PagingDep
) -> Sequence[SecurityEvent]:
    """The account's security events, newest first."""
    return await _page(session, EventFilter(user_id=user.id), paging)


@events_router.get(
    "", operation_id="events-list", response_model=list[SecurityEventRead], responses=TOTAL_COUNT
)
async def list_events(
    session: SessionDep,
    paging: PagingDep,
    user_id: uuid.UUID | None = None,
    type: EventType | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[SecurityEvent]:
    """Every account's security events, newest first: `since` ≤ time < `until`."""
    where = EventFilter(user_id=user_id, type=type, since=since, until=until)
    return await _page(session, where, paging)


@well_known_router.get(METADATA_PATH, operation_id="auth-server-metadata-root")
@router.get("/.well-known/oauth-authorization-server", operation_id="auth-server-metadata")
async def authorization_server_metadata(response: Response, state: StateDep) -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414), for the issuer
    `<public URL>/auth`. Served where §3.1 puts it,
    /.well-known/oauth-authorization-server/auth, and where OpenID Connect
    Discovery's rule (appending) puts it, /auth/.well-known/oauth-authorization-server,
    as §5 advises for an issuer with a path."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return state.metadata


@router.post(
    "/introspect",
    operation_id="auth-introspect",
    response_model=IntrospectionResponse,
    response_model_exclude_none=True,
    responses={
        400: {"model": OAuthErrorBody},
        401: {"model": OAuthErrorBody},
        **documented(
            403, "insufficient_scope: the client lacks scope introspect", model=OAuthErrorBody
        ),
    },
)
async def introspect(
    form: Annotated[IntrospectForm, Form()],
    basic: BasicCredentialsDep,
    response: Response,
    session: SessionDep,
    state: StateDep,
) -> dict[str, Any]:
    """Token introspection (RFC 7662) for confidential clients
    with scope `introspect`, with client_secret_basic or client_secret_post.
    Tokens for audiences outside the client's `introspection_audiences` are
    inactive to it; `username` needs scope `introspect:username`."""
    response.headers.update(NO_STORE)
    credentials = tokens.client_credentials(basic, form)
    if credentials is None:
        raise InvalidClient("client authentication is required")
    registered = await clients.authenticate(
        session, client_id=credentials.client_id, secret=credentials.client_secret
    )
    caller = introspection.Caller.of(registered)
    if not form.token:
        raise InvalidRequest("token is required")
    return await state.introspector.introspect(session, form.token, caller=caller)


@router.get(
    "/me/authorizations",
    operation_id="me-authorizations-list",
    response_model=list[AuthorizationRead],
    responses=UNAUTHORIZED,
)
async def list_my_authorizations(
    user: CurrentUser, session: SessionDep
) -> Sequence[consents.Authorization]:
    """The apps allowed to act for the caller: what each was granted, when,
    and when it last used that to get tokens."""
    return await consents.list_authorizations(session, user_id=user.id)


@router.delete(
    "/me/authorizations/{client_id}",
    operation_id="me-authorizations-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **documented(404, "This app holds no access of yours")},
)
async def revoke_my_authorization(
    client_id: ClientId, user: CurrentUser, session: SessionDep, client: ClientInfoDep
) -> None:
    """Take back an app's access: its consent ends, and every token it holds
    for the caller is refused within the revocation bound."""
    if not await consents.revoke_authorization(
        session, user_id=user.id, client_id=client_id, client=client
    ):
        raise AuthorizationNotFound
