"""The authorization code flow (OAuth 2.1 §4.1, RFC 7636 PKCE, RFC 9207 `iss`):
checking an authorization request, consent, issuing a code and redeeming it.

Where an error goes matters (§4.1.2.1): a request whose client is unknown or
whose redirect URI is not exactly one the client registered gets an error
page and is never redirected (an open redirector otherwise); any other error
goes back to the client's redirect URI with `error`, `state` and `iss`.

A code is 256 random bits, stored as its SHA-256, single use, valid for
CODE_LIFETIME, and bound to its client, redirect URI, PKCE challenge (S256
only) and the person's token version (a credential change kills it). A code
redeemed twice ends the session its first redemption started (§4.1.2): a
replay and a theft look alike.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import AuthorizationCode, OAuthClient, OAuthConsent
from auth_service.oauth import clients

CODE_LIFETIME = timedelta(seconds=60)
# RFC 7636 §4.1: 43 to 128 unreserved characters; §4.2: S256 is 43 base64url.
VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# state and nonce are the client's; bounded so nobody stores megabytes.
MAX_STATE = 512
SCOPE_DESCRIPTIONS = {
    "notes": "read, create, change and delete your notes",
    "notes:read": "read your notes",
    "notes:write": "create, change and delete your notes",
    "openid": "know who you are on the notes platform",
    "profile": "see your name",
    "email": "see your email address",
    "offline_access": "keep this access when you are not using the app",
}


class NoRedirect(Exception):
    """The request cannot be answered at the client's redirect URI: an error page."""


class InvalidAuthorization(Exception):
    """An OAuth error code (RFC 6749 §4.1.2.1) and its description."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class RedirectError(InvalidAuthorization):
    """An error for the client, to send to its (checked) redirect URI."""

    def __init__(self, invalid: InvalidAuthorization, *, redirect_uri: str, state: str | None):
        super().__init__(invalid.error, invalid.description)
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A checked request: what the pages carry from step to step and the code binds."""

    client_id: str
    client_name: str
    first_party: bool
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str

    def as_form(self) -> dict[str, str]:
        """The request's parameters, to carry in the pages' hidden fields."""
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return fields


async def check_request(session: AsyncSession, params: Mapping[str, str]) -> AuthorizationRequest:
    """NoRedirect, or RedirectError (with the checked redirect URI), or the request."""
    client_id = params.get("client_id", "")
    client = await clients.find(session, client_id) if client_id else None
    if client is None or not client.enabled:
        raise NoRedirect("This app is not known here.")
    redirect_uri = _redirect_uri(client, params.get("redirect_uri"))
    state = params.get("state")
    if state is not None and len(state) > MAX_STATE:
        raise NoRedirect("The request's state is too long.")
    try:
        return _checked(client, redirect_uri, params)
    except InvalidAuthorization as invalid:
        raise RedirectError(invalid, redirect_uri=redirect_uri, state=state) from None


def _redirect_uri(client: OAuthClient, given: str | None) -> str:
    """Exact string comparison (OAuth 2.1 §2.3.1; RFC 9700 §4.1.3)."""
    if given is None:
        if len(client.redirect_uris) != 1:
            raise NoRedirect("The request names no redirect URI, and this app has several.")
        return client.redirect_uris[0]
    if given not in client.redirect_uris:
        raise NoRedirect("The redirect URI is not one this app registered.")
    return given


def _checked(
    client: OAuthClient, redirect_uri: str, params: Mapping[str, str]
) -> AuthorizationRequest:
    if params.get("response_type") != "code":
        raise InvalidAuthorization("unsupported_response_type", "response_type must be code")
    if clients.AUTHORIZATION_CODE not in client.grant_types:
        raise InvalidAuthorization(
            "unauthorized_client", "this app may not use the authorization code flow"
        )
    method = params.get("code_challenge_method")
    challenge = params.get("code_challenge")
    if challenge is None:
        raise InvalidAuthorization("invalid_request", "code_challenge (PKCE, S256) is required")
    if method != "S256":
        raise InvalidAuthorization("invalid_request", "code_challenge_method must be S256")
    if not CHALLENGE.match(challenge):
        raise InvalidAuthorization("invalid_request", "code_challenge is not an S256 challenge")
    requested = tuple(dict.fromkeys((params.get("scope") or "").split()))
    if not requested:
        raise InvalidAuthorization("invalid_scope", "scope is required")
    if not set(requested) <= set(client.scopes) & clients.USER_SCOPES:
        raise InvalidAuthorization("invalid_scope", "a requested scope is not allowed for this app")
    nonce = params.get("nonce")
    if nonce is not None and len(nonce) > MAX_STATE:
        raise InvalidAuthorization("invalid_request", "nonce is too long")
    return AuthorizationRequest(
        client_id=client.id,
        client_name=client.name,
        first_party=client.first_party,
        redirect_uri=redirect_uri,
        scopes=requested,
        state=params.get("state"),
        nonce=nonce,
        code_challenge=challenge,
    )


def redirect_with(redirect_uri: str, params: Mapping[str, str | None]) -> str:
    """The redirect URI with `params` added to its own query (RFC 6749 §3.1.2)."""
    parts = urlsplit(redirect_uri)
    added = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


async def needs_consent(
    session: AsyncSession, *, user_id: uuid.UUID, request: AuthorizationRequest
) -> bool:
    """First-party apps never ask; others ask for scopes not granted before."""
    if request.first_party:
        return False
    granted = await clients.consented_scopes(session, user_id=user_id, client_id=request.client_id)
    return not set(request.scopes) <= granted


async def grant_consent(
    session: AsyncSession, *, user_id: uuid.UUID, request: AuthorizationRequest
) -> None:
    """Remember the scopes, with any granted before; the caller commits."""
    before = await clients.consented_scopes(session, user_id=user_id, client_id=request.client_id)
    statement = insert(OAuthConsent).values(
        user_id=user_id, client_id=request.client_id, scopes=sorted(before | set(request.scopes))
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[OAuthConsent.user_id, OAuthConsent.client_id],
            set_={"scopes": statement.excluded.scopes, "granted_at": func.now()},
        )
    )


async def issue_code(
    session: AsyncSession,
    *,
    request: AuthorizationRequest,
    user_id: uuid.UUID,
    token_version: int,
    auth_time: datetime,
    browser_session_id: uuid.UUID | None,
    amr: tuple[str, ...],
) -> str:
    """A new code for the request, from a sign-in with `amr`; the caller commits."""
    code = secrets.token_urlsafe(32)
    session.add(
        AuthorizationCode(
            code_hash=_hash(code),
            client_id=request.client_id,
            user_id=user_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            scope=" ".join(request.scopes),
            nonce=request.nonce,
            token_version=token_version,
            auth_time=auth_time,
            browser_session_id=browser_session_id,
            expires_at=datetime.now(UTC) + CODE_LIFETIME,
            amr=list(amr),
        )
    )
    return code


@dataclass(frozen=True, slots=True)
class Redemption:
    """A code's first redemption, or None and the session to end for a replay."""

    code: AuthorizationCode | None
    replayed_family: uuid.UUID | None = None


async def redeem(session: AsyncSession, *, code: str) -> Redemption:
    """Spend the code if it is unused and unexpired (its row locked until the
    caller's transaction ends); for a used one, the session it started."""
    spent: AuthorizationCode | None = await session.scalar(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.code_hash == _hash(code),
            AuthorizationCode.used_at.is_(None),
            AuthorizationCode.expires_at > func.now(),
        )
        .values(used_at=func.now())
        .returning(AuthorizationCode)
    )
    if spent is not None:
        return Redemption(spent)
    used = await session.scalar(
        select(AuthorizationCode.family_id).where(
            AuthorizationCode.code_hash == _hash(code), AuthorizationCode.used_at.is_not(None)
        )
    )
    return Redemption(None, replayed_family=used)


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6, S256: BASE64URL(SHA256(verifier)) == challenge."""
    if not VERIFIER.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return secrets.compare_digest(computed, challenge)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
