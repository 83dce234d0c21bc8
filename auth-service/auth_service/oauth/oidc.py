"""OpenID Connect Core 1.0 on the authorization code flow: what an ID token
says (§2, §3.1.3.6) and what the UserInfo endpoint answers for each scope
(§5.3, §5.4).

The ID token is signed by auth_service.security (the access tokens' keys,
RS256, `kid`); the discovery document is the RFC 8414 one with the OpenID
fields added, built by one function (auth_service.oauth.introspection.
authorization_server_metadata), so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any

from auth_service.accounts import amr as methods
from auth_service.models import AuthorizationCode, User
from auth_service.security import AccessTokenSigner
from platform_common.scopes import OPENID

PROFILE = "profile"
EMAIL = "email"
ID_TOKEN_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr")
# What each scope adds to UserInfo (§5.4); `sub` is always there. An account
# holds no other profile claim than its full name.
SCOPE_CLAIMS = {PROFILE: ("name",), EMAIL: ("email", "email_verified")}
CLAIMS_SUPPORTED = [*ID_TOKEN_CLAIMS, *(c for claims in SCOPE_CLAIMS.values() for c in claims)]


def id_token(
    code: AuthorizationCode, *, access_token: str, signer: AccessTokenSigner
) -> str | None:
    """The ID token of a redeemed code granted `openid`, for its client (`aud`),
    with the sign-in's time and browser session (`auth_time`, `sid`: the same
    for every code of one sign-in) and the request's `nonce`; None without `openid`."""
    if OPENID not in code.scope.split():
        return None
    claims: dict[str, Any] = {
        "sub": str(code.user_id),
        "aud": code.client_id,
        "auth_time": int(code.auth_time.timestamp()),
        "amr": list(methods.stored(code.amr)),
    }
    if code.nonce is not None:
        claims["nonce"] = code.nonce
    if code.browser_session_id is not None:
        claims["sid"] = str(code.browser_session_id)
    return signer.sign_id_token(claims, access_token=access_token)


def userinfo(user: User, scopes: frozenset[str]) -> dict[str, Any]:
    """§5.3.2: `sub`, and the claims the scopes grant; one without a value is
    left out rather than null."""
    claims: dict[str, Any] = {"sub": str(user.id)}
    if PROFILE in scopes and user.full_name:
        claims["name"] = user.full_name
    if EMAIL in scopes:
        claims["email"] = user.email
        claims["email_verified"] = user.is_verified
    return claims
