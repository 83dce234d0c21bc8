"""A verifier of auth-service's access tokens for another process (gateway, notes-service).

The same wiring for every such process: auth-service's JWKS (cached), its
revocation list (polled), the verifier using both, and the one HTTP client
they share. Built from a few settings fields that the gateway and
notes-service name alike (`<PREFIX>_JWKS_URL`, `<PREFIX>_REVOCATIONS_ENABLED`, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import httpx

from platform_common.background import background_task
from platform_common.replicas import replica_transport, split_urls
from platform_common.revocations import RevokedSubjects
from platform_common.telemetry import inject_trace_context
from platform_common.tokens import AccessTokenVerifier, JwksCache


class VerifierSettings(Protocol):
    """The settings fields the builder reads."""

    jwks_url: str
    jwt_issuer: str
    # Also accepted, for tokens signed before the issuer changed (until they expire).
    jwt_previous_issuers: list[str]
    jwks_max_age_seconds: float
    jwks_refetch_floor_seconds: float
    # Off only in tests that have no list to poll (one switch, the same in every process).
    revocations_enabled: bool
    revocations_url: str
    revocations_poll_interval_seconds: float


@dataclass(frozen=True)
class RemoteVerifier:
    verifier: AccessTokenVerifier[JwksCache]
    jwks: JwksCache
    revocations: RevokedSubjects | None
    http: httpx.AsyncClient

    @asynccontextmanager
    async def polling(self) -> AsyncIterator[None]:
        """Polls the revocation list (when there is one) during the block."""
        poller = self.revocations.poll_forever() if self.revocations is not None else None
        async with background_task(poller, name="revocations-poller"):
            yield

    async def aclose(self) -> None:
        await self.http.aclose()


def build_remote_verifier(
    settings: VerifierSettings, *, audiences: Sequence[str]
) -> RemoteVerifier:
    """The verifier of one process; `aclose()` it at shutdown."""
    if settings.revocations_enabled and not settings.revocations_url:
        raise ValueError("revocations are enabled but no revocations URL is set")
    # Each URL may name every auth-service replica (platform_common.replicas):
    # the calls go to each in turn, and to the next when one refuses.
    jwks_urls = split_urls(settings.jwks_url)
    revocation_urls = split_urls(settings.revocations_url)
    # trust_env=False: a call to auth-service never goes through a proxy from the environment.
    # A fetch made for a request (a refetch, the first load) continues its trace.
    http = httpx.AsyncClient(
        trust_env=False,
        transport=replica_transport(jwks_urls, revocation_urls),
        event_hooks={"request": [inject_trace_context]},
    )
    jwks = JwksCache(
        jwks_urls[0] if jwks_urls else settings.jwks_url,
        http,
        max_age=settings.jwks_max_age_seconds,
        refetch_floor=settings.jwks_refetch_floor_seconds,
    )
    revocations = (
        RevokedSubjects(
            revocation_urls[0], http, interval=settings.revocations_poll_interval_seconds
        )
        if settings.revocations_enabled
        else None
    )
    verifier = AccessTokenVerifier(
        jwks,
        issuer=settings.jwt_issuer,
        previous_issuers=settings.jwt_previous_issuers,
        audiences=list(audiences),
        revocations=revocations,
    )
    return RemoteVerifier(verifier=verifier, jwks=jwks, revocations=revocations, http=http)
