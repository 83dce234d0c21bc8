"""The client registry: the apps and services that may ask for tokens.

Clients are data (`auth.oauth_clients`): superusers manage them through
`/auth/clients` (auth_service.routes.clients), and the clients of
`AUTH_CLIENTS` are kept in step with the settings at start-up (`source =
"config"`), so deployments that configure their services there keep working.

A confidential client's secret is 256 random bits, shown once and stored as
its SHA-256 (random enough that no stretching is needed, like refresh
tokens); a rotation keeps the previous secret valid for a grace period, so
the client can be redeployed with the new one. Disabling or deleting a
client ends its tokens within the revocation bound (its refresh tokens at
once, its access tokens through the revocation list). Each function that
writes owns its transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import events
from auth_service.accounts.events import ClientInfo
from auth_service.config import ClientConfig
from auth_service.db import page_and_total
from auth_service.errors import ClientNotFound, InvalidClient, InvalidClientMetadata
from auth_service.models import LoginSession, OAuthClient, OAuthConsent, RefreshToken
from auth_service.oauth import client_revocations
from auth_service.schemas import GRANT_TYPES
from auth_service.security import secrets_equal

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"  # noqa: S105  (a grant type)  # nosec B105
CLIENT_CREDENTIALS = "client_credentials"
PASSWORD = "password"  # noqa: S105  (a grant type)  # nosec B105
# The scopes a person can grant an app (README, "Building an app on the API").
USER_SCOPES = frozenset(
    {
        "notes",
        "notes:read",
        "notes:write",
        "webhooks",
        "openid",
        "profile",
        "email",
        "offline_access",
    }
)
# RFC 6749 §3.3 scope-token; for service clients any such token is allowed.
SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,100}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SECRET_PREFIX = "npcs_"  # noqa: S105  (recognisable when leaked)  # nosec B105
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "::1", "localhost"})


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class ClientFields:
    """What a superuser sets on a client (creation, or the result of a change)."""

    name: str
    confidential: bool
    redirect_uris: Sequence[str]
    grant_types: Sequence[str]
    scopes: Sequence[str]
    first_party: bool = False
    enabled: bool = True
    audience: str | None = None
    introspection_audiences: Sequence[str] = ()

    def check(self) -> None:
        """InvalidClientMetadata (RFC 7591 §3.2.2's error) naming the first problem."""
        unknown = set(self.grant_types) - GRANT_TYPES
        if unknown or not self.grant_types:
            raise InvalidClientMetadata(f"grant_types must be among {sorted(GRANT_TYPES)}")
        if not self.confidential and CLIENT_CREDENTIALS in self.grant_types:
            raise InvalidClientMetadata("a public client cannot use client_credentials")
        if AUTHORIZATION_CODE in self.grant_types and not self.redirect_uris:
            raise InvalidClientMetadata("authorization_code needs at least one redirect URI")
        for uri in self.redirect_uris:
            check_redirect_uri(uri)
        for scope in self.scopes:
            if not SCOPE_TOKEN.match(scope):
                raise InvalidClientMetadata(f"invalid scope {scope!r}")
        user_facing = {AUTHORIZATION_CODE, PASSWORD} & set(self.grant_types)
        if user_facing and not set(self.scopes) & USER_SCOPES:
            raise InvalidClientMetadata("an app acting for people needs a user scope")
        if CLIENT_CREDENTIALS in self.grant_types and not self.audience:
            raise InvalidClientMetadata("client_credentials needs an audience")


def check_redirect_uri(uri: str) -> None:
    """RFC 9700 §2.1 and RFC 8252: an absolute URI without a fragment; https,
    or http on a loopback host (native apps), or an app's private scheme
    (reverse domain name, with a dot)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise InvalidClientMetadata(f"redirect URI {uri!r} is not a URI") from None
    if parts.fragment or "#" in uri:
        raise InvalidClientMetadata("a redirect URI has no fragment")
    if any(c.isspace() or ord(c) < 0x21 for c in uri) or len(uri) > 2000:
        raise InvalidClientMetadata(f"redirect URI {uri!r} is not a URI")
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return
    if "." in parts.scheme and parts.scheme not in {"http", "https"} and parts.path:
        return
    raise InvalidClientMetadata(
        f"redirect URI {uri!r}: https, http on a loopback address, or an app's own scheme"
    )


async def find(session: AsyncSession, client_id: str) -> OAuthClient | None:
    """The client, enabled or not; None when there is no such id."""
    if not CLIENT_ID.match(client_id):
        return None
    return await session.get(OAuthClient, client_id)


async def authenticate(session: AsyncSession, *, client_id: str, secret: str) -> OAuthClient:
    """The enabled confidential client these credentials prove; InvalidClient
    otherwise, with one answer for every reason (unknown id, wrong secret,
    disabled, public)."""
    client = await find(session, client_id)
    now = datetime.now(UTC)
    offered = secret_hash(secret)
    current = client.secret_hash if client is not None else None
    previous = (
        client.previous_secret_hash
        if client is not None
        and client.previous_secret_expires_at is not None
        and client.previous_secret_expires_at > now
        else None
    )
    # Both compared whatever the client, so timing does not tell which ids exist.
    matches_current = secrets_equal(offered, current or "")
    matches_previous = secrets_equal(offered, previous or "")
    if (
        client is None
        or not client.enabled
        or not ((current and matches_current) or (previous and matches_previous))
    ):
        raise InvalidClient("Client authentication failed")
    return client


async def create(
    session: AsyncSession,
    *,
    fields: ClientFields,
    client_id: str | None,
    actor: ClientInfo,
    actor_id: uuid.UUID,
) -> tuple[OAuthClient, str | None]:
    """A new client and, when confidential, its secret (the only time it is shown)."""
    fields.check()
    chosen = client_id or f"app-{secrets.token_hex(8)}"
    if not CLIENT_ID.match(chosen):
        raise InvalidClientMetadata("client_id: letters, digits, '.', '_' or '-', at most 100")
    secret = new_secret() if fields.confidential else None
    inserted = await session.scalar(
        insert(OAuthClient)
        .values(
            id=chosen,
            **_columns(fields),
            secret_hash=secret_hash(secret) if secret else None,
            source="api",
        )
        .on_conflict_do_nothing(index_elements=[OAuthClient.id])
        .returning(OAuthClient.id)
    )
    if inserted is None:
        await session.rollback()
        raise InvalidClientMetadata(f"client_id {chosen!r} is taken")
    _record(session, events.CLIENT_CREATED, chosen, actor, actor_id)
    await session.commit()
    client = await session.get(OAuthClient, chosen)
    assert client is not None
    return client, secret


async def change(
    session: AsyncSession,
    *,
    client_id: str,
    changes: Mapping[str, object],
    actor: ClientInfo,
    actor_id: uuid.UUID,
) -> OAuthClient:
    """Apply a superuser's change; disabling ends every token of the client."""
    client = await _locked(session, client_id)
    current = ClientFields(**{name: getattr(client, name) for name in _FIELD_NAMES})
    merged = ClientFields(**{**{n: getattr(current, n) for n in _FIELD_NAMES}, **changes})
    merged.check()
    if not merged.confidential and client.secret_hash is not None:
        raise InvalidClientMetadata("a confidential client cannot become public")
    for name, value in _columns(merged).items():
        setattr(client, name, value)
    client.updated_at = datetime.now(UTC)
    if client.source == "config":
        client.source = "api"  # changed by hand: the settings no longer own it
    disabled = changes.get("enabled") is False
    if disabled:
        await end_client_sessions(session, client_id=client_id)
    _record(
        session,
        events.CLIENT_DISABLED if disabled else events.CLIENT_UPDATED,
        client_id,
        actor,
        actor_id,
    )
    await session.commit()
    return client


async def remove(
    session: AsyncSession, *, client_id: str, actor: ClientInfo, actor_id: uuid.UUID
) -> None:
    """Delete the client: its consents and codes go with it, its tokens end."""
    await _locked(session, client_id)
    await end_client_sessions(session, client_id=client_id)
    await session.execute(delete(OAuthClient).where(OAuthClient.id == client_id))
    _record(session, events.CLIENT_DELETED, client_id, actor, actor_id)
    await session.commit()


async def rotate_secret(
    session: AsyncSession,
    *,
    client_id: str,
    grace: timedelta,
    actor: ClientInfo,
    actor_id: uuid.UUID,
) -> tuple[str, datetime]:
    """A new secret (shown once), and until when the current one stays valid."""
    client = await _locked(session, client_id)
    if not client.confidential:
        raise InvalidClientMetadata("a public client has no secret")
    secret = new_secret()
    client.previous_secret_hash = client.secret_hash
    expires_at = datetime.now(UTC) + grace
    client.previous_secret_expires_at = expires_at
    client.secret_hash = secret_hash(secret)
    client.updated_at = datetime.now(UTC)
    client.source = "api"
    _record(session, events.CLIENT_SECRET_ROTATED, client_id, actor, actor_id)
    await session.commit()
    return secret, expires_at


async def list_clients(
    session: AsyncSession, *, offset: int, limit: int
) -> tuple[Sequence[OAuthClient], int]:
    order = (OAuthClient.created_at, OAuthClient.id)
    return await page_and_total(session, OAuthClient, order=order, offset=offset, limit=limit)


async def end_client_sessions(session: AsyncSession, *, client_id: str) -> None:
    """Every token the client holds ends: its sessions' refresh tokens at once,
    its access tokens (claim `client_id`) through the revocation list. The
    caller holds the client's row lock and commits."""
    families = select(LoginSession.id).where(LoginSession.client_id == client_id)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id.in_(families), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    await client_revocations.revoke_client_tokens(session, client_id=client_id)


async def sync_configured(session: AsyncSession, configured: Mapping[str, ClientConfig]) -> None:
    """AUTH_CLIENTS as data: each configured client is created, or brought in
    step with the settings while the settings still own it (`source =
    "config"`). One changed through the API is the API's from then on."""
    for client_id, config in configured.items():
        values = {
            "name": client_id,
            "confidential": True,
            "first_party": False,
            "redirect_uris": [],
            "grant_types": [CLIENT_CREDENTIALS],
            "scopes": list(config.scopes),
            "audience": config.audience,
            "introspection_audiences": list(config.introspection_audiences),
            "secret_hash": secret_hash(config.secret.get_secret_value()),
        }
        await _upsert_configured(session, client_id, values)
    await session.commit()


async def register_docs_client(session: AsyncSession, *, client_id: str, public_url: str) -> None:
    """The /docs page's Authorize button: a first-party public client of the
    authorization code flow, kept in step with the public URL (settings-owned)."""
    values = {
        "name": "API documentation",
        "confidential": False,
        "first_party": True,
        "redirect_uris": [f"{public_url.rstrip('/')}/docs/oauth2-redirect"],
        "grant_types": [AUTHORIZATION_CODE],
        "scopes": sorted(USER_SCOPES - {"offline_access"}),
        "audience": None,
        "introspection_audiences": [],
        "secret_hash": None,  # public: no secret  # nosec B105
    }
    await _upsert_configured(session, client_id, values)
    await session.commit()


async def _upsert_configured(session: AsyncSession, client_id: str, values: dict[str, Any]) -> None:
    """Created, or brought in step while the settings still own it (`source = "config"`)."""
    statement = insert(OAuthClient).values(id=client_id, source="config", **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[OAuthClient.id],
            set_={**values, "updated_at": func.now()},
            where=OAuthClient.source == "config",
        )
    )


async def consented_scopes(
    session: AsyncSession, *, user_id: uuid.UUID, client_id: str
) -> frozenset[str]:
    scopes = await session.scalar(
        select(OAuthConsent.scopes).where(
            OAuthConsent.user_id == user_id, OAuthConsent.client_id == client_id
        )
    )
    return frozenset(scopes or ())


_FIELD_NAMES = (
    "name",
    "confidential",
    "redirect_uris",
    "grant_types",
    "scopes",
    "first_party",
    "enabled",
    "audience",
    "introspection_audiences",
)


def _columns(fields: ClientFields) -> dict[str, object]:
    return {
        "name": fields.name,
        "confidential": fields.confidential,
        "redirect_uris": list(fields.redirect_uris),
        "grant_types": sorted(set(fields.grant_types)),
        "scopes": sorted(set(fields.scopes)),
        "first_party": fields.first_party,
        "enabled": fields.enabled,
        "audience": fields.audience,
        "introspection_audiences": list(fields.introspection_audiences),
    }


async def _locked(session: AsyncSession, client_id: str) -> OAuthClient:
    client = await session.scalar(
        select(OAuthClient)
        .where(OAuthClient.id == client_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if client is None:
        raise ClientNotFound
    return client


def _record(
    session: AsyncSession, type: str, client_id: str, actor: ClientInfo, actor_id: uuid.UUID
) -> None:
    events.record(
        session,
        type=type,
        user_id=actor_id,
        client=actor,
        client_id=client_id,
    )
