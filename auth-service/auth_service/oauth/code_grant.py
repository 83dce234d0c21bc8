"""The token endpoint's `authorization_code` grant (OAuth 2.1 §4.1.3, RFC 7636):
a code, its PKCE verifier and its client's word are exchanged for tokens.

A public client names itself (`client_id`) and sends no secret; a confidential
one authenticates as for any grant. The session it starts is the app's
(`sessions.client_id`, with the granted scope), refreshed by that app alone,
and gets a refresh token only when `offline_access` was granted, an ID token
(OpenID Connect, auth_service.oauth.oidc) only when `openid` was.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import amr as methods
from auth_service.accounts import events, sessions
from auth_service.accounts.users import lock_user
from auth_service.errors import InvalidClient, InvalidGrant, InvalidRequest, UnauthorizedClient
from auth_service.models import LoginSession, OAuthConsent
from auth_service.oauth import authorization, clients, oidc, tokens
from auth_service.oauth.grant_types import GrantRequest, presented_client
from auth_service.schemas import TokenResponse

OFFLINE_ACCESS = "offline_access"
INVALID_CODE = "Invalid, expired or used authorization code"


async def authorization_code(request: GrantRequest) -> TokenResponse:
    form = request.form
    if form.code is None or form.code_verifier is None:
        raise InvalidRequest("code and code_verifier are required")
    client_id, authenticated = await presented_client(request)
    client = await clients.find(request.session, client_id) if client_id else None
    if client is None or not client.enabled:
        raise InvalidClient("Client authentication failed")
    if client.confidential and not authenticated:
        raise InvalidClient("client authentication is required")
    if clients.AUTHORIZATION_CODE not in client.grant_types:
        raise UnauthorizedClient("this client may not use the authorization code grant")
    session = request.session
    redemption = await authorization.redeem(session, code=form.code)
    code = redemption.code
    if code is None:
        if redemption.replayed_family is not None:
            await _end_replayed(session, redemption.replayed_family, request)
        raise InvalidGrant(INVALID_CODE)
    # From here the code is spent whatever happens: a wrong verifier, client
    # or redirect URI means it was stolen or is being guessed at.
    mismatch = (
        code.client_id != client.id
        or (form.redirect_uri is not None and form.redirect_uri != code.redirect_uri)
        or not authorization.pkce_matches(form.code_verifier, code.code_challenge)
    )
    user = None if mismatch else await lock_user(session, code.user_id)
    if user is None or not user.is_active or user.token_version != code.token_version:
        await session.commit()
        raise InvalidGrant(INVALID_CODE)
    family_id = sessions.start_session(
        session,
        user_id=user.id,
        client=request.client,
        client_id=client.id,
        scope=code.scope,
        amr=methods.stored(code.amr),
    )
    code.family_id = family_id
    await session.execute(
        update(OAuthConsent)
        .where(OAuthConsent.user_id == user.id, OAuthConsent.client_id == client.id)
        .values(last_used_at=func.now())
    )
    response = await tokens.issue_user_tokens(
        session,
        user=user,
        family_id=family_id,
        scope=code.scope,
        policy=request.policy,
        with_refresh=OFFLINE_ACCESS in code.scope.split(),
        client_id=client.id,
        amr=methods.stored(code.amr),
    )
    response.id_token = oidc.id_token(
        code, access_token=response.access_token, signer=request.policy.signer
    )
    await session.commit()
    return response


async def _end_replayed(session: AsyncSession, family_id: uuid.UUID, request: GrantRequest) -> None:
    """A code redeemed twice: the session its first redemption started ends
    (RFC 6749 §4.1.2), refresh tokens at once."""
    login = await session.get(LoginSession, family_id)
    await sessions.revoke_refresh_family(session, family_id=family_id)
    await sessions.end_session_tokens(session, family_ids=[family_id])
    if login is not None:
        events.record(
            session,
            type=events.SESSION_ENDED,
            user_id=login.user_id,
            client=request.client,
            session_id=family_id,
            client_id=login.client_id,
        )
    await session.commit()
