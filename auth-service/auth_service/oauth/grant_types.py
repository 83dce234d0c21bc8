"""What a grant handler is given, and the handlers of the password, refresh
and client-credentials grants (their work is in auth_service.oauth.tokens);
auth_service.oauth.grants is the registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from auth_service.accounts.emails import login_name
from auth_service.accounts.events import ClientInfo
from auth_service.accounts.throttle import LoginAttempt
from auth_service.errors import InvalidClient, InvalidRequest, InvalidScope, UnauthorizedClient
from auth_service.oauth import clients, tokens
from auth_service.oauth.tokens import ClientCredentials, TokenPolicy
from auth_service.schemas import TokenForm, TokenResponse
from auth_service.security import PasswordHasher


@dataclass(frozen=True, slots=True)
class GrantRequest:
    """A token request, parsed once: what every grant handler is given."""

    session: AsyncSession
    form: TokenForm
    basic: ClientCredentials | None  # client_secret_basic, if sent
    client: ClientInfo
    policy: TokenPolicy
    hasher: PasswordHasher
    # The answer being made: a grant may add a header (e.g. Deprecation).
    response: Response


Grant = Callable[[GrantRequest], Awaitable[TokenResponse]]


async def password(request: GrantRequest) -> TokenResponse:
    """RFC 6749 §4.3, for first-party clients only (RFC 9700 §2.4: an app must
    never see a person's password). A request naming no client is still
    served while AUTH_PASSWORD_GRANT_WITHOUT_CLIENT allows it (deprecated)."""
    form = request.form
    if form.username is None or form.password is None:
        raise InvalidRequest("username and password are required")
    client_id = await first_party_client(request)
    attempt = LoginAttempt(
        account=login_name(form.username), address=request.client.address or "unknown"
    )
    return await tokens.login(
        request.session,
        attempt=attempt,
        password=form.password,
        scope=form.scope,
        policy=request.policy,
        hasher=request.hasher,
        client=request.client,
        client_id=client_id,
    )


async def refresh_token(request: GrantRequest) -> TokenResponse:
    """RFC 6749 §6."""
    if request.form.refresh_token is None:
        raise InvalidRequest("refresh_token is required")
    client_id, authenticated = await presented_client(request)
    return await tokens.refresh(
        request.session,
        refresh_token=request.form.refresh_token,
        scope=request.form.scope,
        policy=request.policy,
        client=request.client,
        client_id=client_id,
        client_authenticated=authenticated,
    )


async def presented_client(request: GrantRequest) -> tuple[str | None, bool]:
    """The client a request names: authenticated when it sent a secret (a
    wrong one is invalid_client), named alone by a public client."""
    credentials = tokens.client_credentials(request.basic, request.form)
    if credentials is None:
        return request.form.client_id, False
    if not credentials.client_secret:
        # A public client naming itself in Basic with no secret (Swagger UI does).
        return credentials.client_id, False
    await clients.authenticate(
        request.session, client_id=credentials.client_id, secret=credentials.client_secret
    )
    return credentials.client_id, True


async def client_credentials(request: GrantRequest) -> TokenResponse:
    """RFC 6749 §4.4."""
    credentials = tokens.client_credentials(request.basic, request.form)
    if credentials is None:
        raise InvalidClient("client authentication is required")
    return await tokens.issue_client_token(
        request.session, client=credentials, scope=request.form.scope, policy=request.policy
    )


async def first_party_client(request: GrantRequest, scope: str | None = None) -> str | None:
    """The password grant's client check (the mfa-otp grant's too, with the
    scope the password grant was asked for): named, a first-party one allowed
    the grant and the scope; unnamed, only while the setting allows it. The
    client's id, None for no client."""
    client_id, authenticated = await presented_client(request)
    client = await clients.find(request.session, client_id) if client_id else None
    if client is None and not authenticated:
        # No client, or a name no client has (Authlib sends "None" for no
        # client_id): the deprecated way, while the setting allows it.
        if not request.policy.password_grant_without_client:
            raise UnauthorizedClient("name a first-party client (client_id)")
        request.response.headers["Deprecation"] = "true"  # RFC 9745
        return None
    if client is None or not client.enabled or (client.confidential and not authenticated):
        raise InvalidClient("Client authentication failed")
    if clients.PASSWORD not in client.grant_types or not client.first_party:
        raise UnauthorizedClient("the password grant is for first-party clients only")
    requested = set((scope or request.form.scope or request.policy.user_scope).split())
    if not requested <= set(client.scopes):
        raise InvalidScope("The requested scope is not allowed for this client")
    return client.id
