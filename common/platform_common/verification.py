"""A verifier of auth-service's access tokens for another process (gateway, notes-service).

The same wiring for every such process: auth-service's JWKS (cached), its
revocation list (polled), the verifier using both, and the one HTTP client
they share. Built from the settings both extend (VerifierSettings:
`<PREFIX>_JWKS_URL`, `<PREFIX>_REVOCATIONS_ENABLED`, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI, Request
from pydantic import Field
from pydantic_settings import BaseSettings

from platform_common.background import background_task
from platform_common.personal_token_checks import CHECK_PATH, PersonalTokenChecker
from platform_common.replicas import replica_transport, split_urls
from platform_common.revocations import RevokedSubjects
from platform_common.telemetry import inject_trace_context
from platform_common.tokens import LEGACY_ISSUER, AccessTokenVerifier, JwksCache

# auth-service as `make run` starts it; the gateway derives its own from its
# auth upstream instead (gateway.config).
LOCAL_JWKS_URL = "http://127.0.0.1:8001/auth/.well-known/jwks.json"
LOCAL_REVOCATIONS_URL = "http://127.0.0.1:8001/internal/revocations"


class VerifierSettings(BaseSettings):
    """The settings of a process that verifies auth-service's tokens, one
    validation for all; each process extends them under its own prefix
    (`GATEWAY_JWKS_URL`, `NOTES_JWKS_URL`) and names its audiences itself."""

    # Each URL may name every auth-service replica (platform_common.replicas):
    # comma-separated or a JSON list, asked in turn, the next when one refuses.
    jwks_url: str = LOCAL_JWKS_URL
    # auth-service's issuer: its public URL + /auth (AUTH_PUBLIC_URL; the
    # default is `make run`'s, which sets it from the gateway's port).
    jwt_issuer: str = "http://127.0.0.1:8000/auth"
    # Also accepted until their tokens expire: the issuer before it was a URL.
    # Empty it once auth-service has signed with jwt_issuer for an access-token
    # lifetime (README, "Issuer").
    jwt_previous_issuers: list[str] = [LEGACY_ISSUER]
    # Keys are refetched after this, and at most once per floor (an unknown
    # `kid` asks at once): an age of 0 would ask auth-service on every token.
    jwks_max_age_seconds: float = Field(default=300.0, gt=0)
    jwks_refetch_floor_seconds: float = Field(default=10.0, ge=0)
    # Users deleted or deactivated since their token was issued
    # (platform_common.revocations): their tokens are refused within about
    # one poll interval.
    revocations_url: str = LOCAL_REVOCATIONS_URL
    revocations_poll_interval_seconds: float = Field(default=2.0, gt=0)
    # Off only in tests that have no list to poll (one switch, the same in every process).
    revocations_enabled: bool = True
    # How long an answer of auth-service about a personal access token is
    # reused (platform_common.personal_token_checks; asked at the revocation
    # list's auth-service, path /internal/personal-tokens/check). Revocation
    # does not wait for it (the list judges every use); it bounds how late a
    # token's `last used` is and how often a refused one is asked about. At
    # most 30 s, the shortest time auth-service lists a revocation (the
    # shortest access-token lifetime): an answer cached from before a
    # revocation must meet the listed revocation at its next use.
    personal_tokens_cache_seconds: float = Field(default=30.0, gt=0, le=30)


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
    # The same auth-service replicas as the revocation list's (or the keys').
    check_url = httpx.URL((revocation_urls or jwks_urls or [settings.jwks_url])[0])
    personal_tokens = PersonalTokenChecker(
        str(check_url.copy_with(path=CHECK_PATH, query=None)),
        http,
        cache_seconds=settings.personal_tokens_cache_seconds,
    )
    verifier = AccessTokenVerifier(
        jwks,
        issuer=settings.jwt_issuer,
        previous_issuers=settings.jwt_previous_issuers,
        audiences=list(audiences),
        revocations=revocations,
        personal_tokens=personal_tokens,
    )
    return RemoteVerifier(verifier=verifier, jwks=jwks, revocations=revocations, http=http)


@asynccontextmanager
async def remote_verification(
    app: FastAPI, settings: VerifierSettings, *, audiences: Sequence[str]
) -> AsyncIterator[RemoteVerifier]:
    """build_remote_verifier for a service's lifespan: its verifier and
    revocation list kept in `app.state` (where platform_common.bearer and
    `revocations_readiness` look for them), the list polled during the
    block, the HTTP client closed after it."""
    remote = build_remote_verifier(settings, audiences=audiences)
    app.state.revocations = remote.revocations
    app.state.token_verifier = remote.verifier
    try:
        async with remote.polling():
            yield remote
    finally:
        await remote.aclose()


def revocations_readiness(request: Request) -> dict[str, Any]:
    """The revocation list's entry of a readiness answer (none without a list).

    Until the list has loaded once, every token is refused (the verifier
    fails closed): not ready, so no traffic is routed here meanwhile.
    """
    revocations: RevokedSubjects | None = request.app.state.revocations
    if revocations is None:
        return {}
    return {"revocations": {"ok": revocations.loaded}}
