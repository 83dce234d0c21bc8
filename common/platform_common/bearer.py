"""The FastAPI dependencies that turn an `Authorization: Bearer` header into claims.

A route that needs a scope takes platform_common.scopes' dependency instead,
which verifies the token here and checks the scope there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from platform_common.errors import Unauthorized
from platform_common.tokens import AccessClaims, AccessTokenVerifier, InvalidToken

# Declared as OAuth2 password flow so every service's OpenAPI document (and the
# gateway's merged one) offers the same "Authorize" login at /auth/token.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


# The RFC 6750 401 (platform_common.errors), by the name the services raise it.
unauthorized = Unauthorized


async def access_claims(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> AccessClaims:
    if not token:
        raise Unauthorized()
    verifier: AccessTokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify(token)
    except InvalidToken as exc:
        raise Unauthorized(str(exc)) from None


Claims = Annotated[AccessClaims, Depends(access_claims)]
