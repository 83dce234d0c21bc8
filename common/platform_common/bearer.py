"""The FastAPI dependencies that turn an `Authorization: Bearer` header into claims."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase

from platform_common.tokens import AccessClaims, AccessTokenVerifier, InvalidToken

# Declared as OAuth2 password flow so every service's OpenAPI document (and the
# gateway's merged one) offers the same "Authorize" login at /auth/token.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def unauthorized(description: str | None = None) -> HTTPException:
    """401 as RFC 6750 §3 words it: no error code when no token was sent."""
    if description is None:
        return HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail=description,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'
        },
    )


def forbidden(scope: str) -> HTTPException:
    return HTTPException(
        status.HTTP_403_FORBIDDEN,
        detail="Insufficient scope",
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
    )


async def access_claims(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> AccessClaims:
    if not token:
        raise unauthorized()
    verifier: AccessTokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify(token)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from None


class _ScopedBearer(SecurityBase):
    """A valid bearer token holding `scope`, checked in one dependency.

    One level where a chain of three (scheme, claims, scope) cost more in
    FastAPI's dependency solving than the check itself (bench/README.md).
    Documented as `oauth2_scheme` is, so the OpenAPI documents are unchanged.
    """

    def __init__(self, scope: str) -> None:
        self.model = oauth2_scheme.model
        self.scheme_name = oauth2_scheme.scheme_name
        self.scope = scope

    async def verified(self, request: Request) -> AccessClaims:
        token = await oauth2_scheme(request)
        if not token:
            raise unauthorized()
        verifier: AccessTokenVerifier = request.app.state.token_verifier
        try:
            claims = await verifier.verify(token)
        except InvalidToken as exc:
            raise unauthorized(str(exc)) from None
        if not claims.has_scope(self.scope):
            raise forbidden(self.scope)
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
            raise unauthorized("token subject is not a user") from None


def require_scope(scope: str) -> object:
    """A dependency that refuses, with 403, a valid token lacking `scope`."""
    return Depends(ScopedClaims(scope))


Claims = Annotated[AccessClaims, Depends(access_claims)]
