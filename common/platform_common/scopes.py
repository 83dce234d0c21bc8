"""The scopes of the platform's access tokens, and the one place a route asks for one.

A route takes `user_with_scope(NOTES_WRITE)` (the user's id) or
`require_scope(NOTES_PURGE)` (the claims) as a parameter: that both checks
the token's `scope` claim, answering 403 `insufficient_scope` (RFC 6750
§3.1) when the scope is missing, and declares the scope in the service's
OpenAPI document (an OAuth2 security requirement naming it). The token
itself is verified as everywhere (platform_common.bearer): the 401s are its.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import Request, Security
from fastapi.openapi.models import OAuth2 as OAuth2Model
from fastapi.openapi.models import SecurityBase as SecurityBaseModel
from fastapi.security.base import SecurityBase

from platform_common.bearer import access_claims, oauth2_scheme
from platform_common.errors import MissingScope, Unauthorized
from platform_common.tokens import AccessClaims

NOTES_READ = "notes:read"
NOTES_WRITE = "notes:write"
NOTES_PURGE = "notes:purge"
# OpenID Connect: auth-service's GET/POST /auth/userinfo needs it.
OPENID = "openid"
# The one user scope before notes:read and notes:write, and what the password
# grant issues: it means both, so every client holding it keeps working.
NOTES = "notes"
# A secret scanning partner's service client (client credentials): it reports
# personal access tokens found in public, which auth-service revokes.
PERSONAL_TOKEN_LEAKS = "personal_tokens:leaks"  # noqa: S105  (a scope)  # nosec B105
# A person's webhook endpoints (webhooks-service); `notes` allows it too.
WEBHOOKS = "webhooks"
# Service scopes of webhooks-service's internal routes: notes-service's
# publisher sends events, auth-service's outbox purges a deleted account.
WEBHOOKS_PUBLISH = "webhooks:publish"
WEBHOOKS_PURGE = "webhooks:purge"
# Service scope of auth-service's internal notices route: webhooks-service
# mails the owner of an endpoint it disabled (auth-service alone knows the address).
NOTICES_SEND = "notices:send"

# What each scope allows, as the OpenAPI documents' security scheme says it.
DESCRIPTIONS: Mapping[str, str] = {
    NOTES_READ: "Read your notes (a token with the scope `notes` has it too)",
    NOTES_WRITE: "Create, change and delete your notes (a token with the scope `notes` has it too)",
    NOTES: "Read and write your notes: notes:read and notes:write in one",
    NOTES_PURGE: "Delete every note of a deleted account (auth-service's outbox only)",
    PERSONAL_TOKEN_LEAKS: "Report personal access tokens found in public: the live ones are "
    "revoked and their owners told (a secret scanning service's client)",
    WEBHOOKS: "Manage your webhook endpoints and see their deliveries"
    " (a token with the scope `notes` has it too)",
    WEBHOOKS_PUBLISH: "Send note changes to webhooks-service (notes-service's publisher only)",
    WEBHOOKS_PURGE: "Delete every webhook endpoint of a deleted account"
    " (auth-service's outbox only)",
    NOTICES_SEND: "Mail a notice to a user's address through auth-service's outbox"
    " (webhooks-service only)",
    OPENID: "Know who you are (OpenID Connect): your account id at /auth/userinfo, "
    "with your email address and name where `email` and `profile` are granted too",
}

# A token holding one of the values also holds the key.
IMPLIED_BY: Mapping[str, frozenset[str]] = {
    NOTES_READ: frozenset({NOTES}),
    NOTES_WRITE: frozenset({NOTES}),
    WEBHOOKS: frozenset({NOTES}),
}


def holds(granted: frozenset[str], needed: str) -> bool:
    """Whether a token granted `granted` may do what needs `needed`; exact
    comparison, scope values being case-sensitive (RFC 6749 §3.3)."""
    return needed in granted or not granted.isdisjoint(IMPLIED_BY.get(needed, ()))


def _listing_scopes(model: SecurityBaseModel) -> SecurityBaseModel:
    """bearer's scheme (its name, flows and token URL: one scheme per document)
    with every flow listing the scopes, so Swagger UI and client generators see
    what each requirement's scope means."""
    assert isinstance(model, OAuth2Model)
    flows = {
        name: flow.model_copy(update={"scopes": dict(DESCRIPTIONS)})
        for name, flow in model.flows
        if flow is not None
    }
    return model.model_copy(update={"flows": model.flows.model_copy(update=flows)})


SCHEME = _listing_scopes(oauth2_scheme.model)


class _ScopedBearer(SecurityBase):
    """A valid bearer token holding `scope`, checked in one dependency: one
    level where a chain of three (scheme, claims, scope) cost more in FastAPI's
    dependency solving than the check itself (bench/README.md)."""

    def __init__(self, scope: str) -> None:
        self.model = SCHEME
        self.scheme_name = oauth2_scheme.scheme_name
        self.scope = scope

    async def verified(self, request: Request) -> AccessClaims:
        claims = await access_claims(request, await oauth2_scheme(request))
        if not holds(claims.scopes, self.scope):
            raise MissingScope(self.scope)
        return claims


class ScopedClaims(_ScopedBearer):
    """The claims of a valid token with the scope; 401/403 otherwise."""

    async def __call__(self, request: Request) -> AccessClaims:
        return await self.verified(request)


class ScopedUser(_ScopedBearer):
    """The id of the user a valid token with the scope was issued to; 401/403 otherwise."""

    async def __call__(self, request: Request) -> uuid.UUID:
        claims = await self.verified(request)
        try:
            return uuid.UUID(claims.subject)
        except ValueError:
            raise Unauthorized("token subject is not a user") from None


# `Security(..., scopes=...)` is what puts the scope in the operation's
# security requirement; the check itself is the dependency's.
def require_scope(scope: str) -> Any:
    """`Annotated[AccessClaims, require_scope(s)]`: the claims of a token holding `s`."""
    return Security(ScopedClaims(scope), scopes=[scope])


def user_with_scope(scope: str) -> Any:
    """`Annotated[uuid.UUID, user_with_scope(s)]`: the user of a token holding `s`."""
    return Security(ScopedUser(scope), scopes=[scope])
