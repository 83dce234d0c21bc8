"""The token endpoint's grants by name: the one registry that the token
endpoint, the RFC 8414 metadata (`grant_types_supported`) and introspection
read. Adding a grant is a handler here (its work in its own module) and one
entry in GRANTS (docs/architecture.md, "Add a grant")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.emails import login_name
from auth_service.accounts.events import ClientInfo
from auth_service.accounts.throttle import LoginAttempt
from auth_service.errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from auth_service.oauth import tokens
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


Grant = Callable[[GrantRequest], Awaitable[TokenResponse]]


async def password(request: GrantRequest) -> TokenResponse:
    """RFC 6749 §4.3."""
    form = request.form
    if form.username is None or form.password is None:
        raise InvalidRequest("username and password are required")
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
    )


async def refresh_token(request: GrantRequest) -> TokenResponse:
    """RFC 6749 §6."""
    if request.form.refresh_token is None:
        raise InvalidRequest("refresh_token is required")
    return await tokens.refresh(
        request.session,
        refresh_token=request.form.refresh_token,
        scope=request.form.scope,
        policy=request.policy,
        client=request.client,
    )


async def client_credentials(request: GrantRequest) -> TokenResponse:
    """RFC 6749 §4.4."""
    credentials = tokens.client_credentials(request.basic, request.form)
    if credentials is None:
        raise InvalidClient("client authentication is required")
    return await tokens.issue_client_token(
        request.session, client=credentials, scope=request.form.scope, policy=request.policy
    )


GRANTS: Mapping[str, Grant] = MappingProxyType(
    {
        "password": password,
        "refresh_token": refresh_token,
        "client_credentials": client_credentials,
    }
)


async def exchange(request: GrantRequest) -> TokenResponse:
    """The token endpoint: the grant the request names, or the RFC 6749 §5.2 error."""
    grant_type = request.form.grant_type
    if grant_type is None:
        raise InvalidRequest("grant_type is required")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(f"grant type {grant_type!r} is not supported")
    return await grant(request)
