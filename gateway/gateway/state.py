"""What the request path needs, built once at start-up and closed at shutdown."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from gateway.auth import TokenGate
from gateway.circuit import CircuitBreaker
from gateway.config import Settings
from gateway.openapi_merge import Document, DocumentSource, MergedDocument
from gateway.proxy import Upstream
from gateway.ratelimit import LoginThrottle
from gateway.routing import PrefixRouter
from gateway.transport import AiohttpTransport
from platform_common.verification import build_remote_verifier

AUTH = "auth-service"
NOTES = "notes-service"


class Gateway:
    def __init__(
        self,
        settings: Settings,
        *,
        base_document: Document,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        transports = transports or {}
        self.max_body_bytes = settings.max_body_bytes

        def upstream(name: str, prefix: str, url: str, read_timeout: float) -> Upstream:
            return Upstream(
                name=name,
                prefix=prefix,
                url=url,
                timeout=httpx.Timeout(read_timeout, connect=settings.connect_timeout_seconds),
                breaker=CircuitBreaker(
                    failure_threshold=settings.circuit_failure_threshold,
                    reset_seconds=settings.circuit_reset_seconds,
                ),
            )

        self.upstreams = (
            upstream(AUTH, "/auth", settings.auth_url, settings.auth_timeout_seconds),
            upstream(NOTES, "/notes", settings.notes_url, settings.notes_timeout_seconds),
        )
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections,
            max_keepalive_connections=settings.upstream_keepalive_connections,
        )
        for each in self.upstreams:
            transport = transports.get(each.name)
            if transport is None and settings.upstream_client == "aiohttp":
                transport = AiohttpTransport(settings.upstream_max_connections)
            each.open(limits, transport)
        self.router: PrefixRouter[Upstream] = PrefixRouter({u.prefix: u for u in self.upstreams})

        # auth-service's keys and revocation list; the list is polled by a
        # task of the lifespan (gateway.main).
        self.verification = build_remote_verifier(settings, audiences=[settings.jwt_audience])
        self.jwks = self.verification.jwks
        self.tokens = TokenGate(
            self.verification.verifier, max_header_bytes=settings.max_authorization_bytes
        )
        self.login_throttle = LoginThrottle(
            per_account=settings.login_limit_per_account,
            per_address=settings.login_limit_per_address,
            redis_url=settings.redis_url,
        )
        self.docs = MergedDocument(
            base_document,
            [
                DocumentSource(u.name, u.prefix, u.client, u.url.rstrip("/") + "/openapi.json")
                for u in self.upstreams
            ],
            refresh_seconds=settings.openapi_refresh_seconds,
            timeout=settings.health_timeout_seconds,
        )
        self.health_timeout = settings.health_timeout_seconds

    async def aclose(self) -> None:
        for each in self.upstreams:
            await each.client.aclose()
        await self.verification.aclose()
        await self.login_throttle.aclose()
