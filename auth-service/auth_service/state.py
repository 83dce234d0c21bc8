"""What the routes need, built once by the lifespan (auth_service.main) and
reached only through the dependencies in auth_service.deps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth_service.accounts.recovery import RecoveryPolicy
from auth_service.oauth.introspection import Introspector
from auth_service.oauth.keys import KeyRing
from auth_service.oauth.tokens import TokenPolicy
from auth_service.security import PasswordHasher


@dataclass(frozen=True, slots=True)
class AuthState:
    engine: AsyncEngine
    # NullPool: /health/ready opens a connection of its own (auth_service.main.readiness).
    readiness_engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    key_ring: KeyRing
    hasher: PasswordHasher
    token_policy: TokenPolicy
    # How long a revocation stays listed at GET /internal/revocations.
    revocation_window: timedelta
    recovery: RecoveryPolicy
    introspector: Introspector
    # RFC 8414, built once from the settings.
    metadata: dict[str, Any]
    # The sign-in and consent pages: the `iss` of their redirects (RFC 9207),
    # and whether their cookies are Secure (the public URL is https).
    issuer: str = ""
    secure_cookies: bool = False
    # OpenID Connect Discovery: the RFC 8414 document and the OpenID fields.
    openid_configuration: dict[str, Any] = field(default_factory=dict)
