"""OpenID Connect's routes: the discovery document (Discovery 1.0 §4) and
the UserInfo endpoint (Core §5.3); the ID token is the token endpoint's
(auth_service.oauth.code_grant)."""

from typing import Annotated, Any

from fastapi import APIRouter, Response

from auth_service.deps import SessionDep, StateDep, token_user
from auth_service.oauth import oidc
from auth_service.routes.shared import NO_STORE
from auth_service.schemas import UserInfo
from platform_common.responses import INSUFFICIENT_SCOPE, UNAUTHORIZED
from platform_common.scopes import OPENID, require_scope
from platform_common.tokens import AccessClaims

router = APIRouter(prefix="/auth", tags=["openid"])
OpenIdClaims = Annotated[AccessClaims, require_scope(OPENID)]


@router.get("/.well-known/openid-configuration", operation_id="openid-configuration")
async def openid_configuration(response: Response, state: StateDep) -> dict[str, Any]:
    """OpenID Provider metadata for the issuer `<public URL>/auth`, where
    Discovery §4 puts it (the issuer, then /.well-known/openid-configuration):
    the RFC 8414 document with the OpenID fields added."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return state.openid_configuration


# GET and POST alike (OpenID Connect Core §5.3.1), each with its own operation id.
USERINFO: dict[str, Any] = {
    "response_model_exclude_none": True,
    "responses": {**UNAUTHORIZED, **INSUFFICIENT_SCOPE},
}


@router.post("/userinfo", operation_id="openid-userinfo-post", **USERINFO)
@router.get("/userinfo", operation_id="openid-userinfo", **USERINFO)
async def userinfo(claims: OpenIdClaims, response: Response, session: SessionDep) -> UserInfo:
    """Claims about the person a token granted `openid` was issued for
    (`Authorization: Bearer`): `sub`; with scope `email`, `email` and
    `email_verified`; with `profile`, `name` (when the account has one).
    Without `openid`: 403 `insufficient_scope`."""
    # The account's own check (still there, active, token version current),
    # on a token already verified and holding the scope.
    user = await token_user(claims, session)
    response.headers.update(NO_STORE)
    return UserInfo.model_validate(oidc.userinfo(user, claims.scopes))
