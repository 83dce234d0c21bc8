"""What the request path needs, built once at start-up and closed at shutdown."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from gateway.balancer import Replica
from gateway.body import BodyLimits
from gateway.cached_check import CachedCheck
from gateway.circuit import CircuitBreaker
from gateway.client_address import Network, in_networks, parse_address
from gateway.config import Settings
from gateway.openapi_merge import Document, DocumentSource, MergedDocument
from gateway.proxy import Upstream
from gateway.quotas import build_counter
from gateway.routing import PrefixRouter
from gateway.token_check import TokenCheck
from gateway.transport import Timeouts
from platform_common.verification import build_remote_verifier

AUTH = "auth-service"
NOTES = "notes-service"


class GatewayState:
    """The gateway's upstreams, token check and settings the request path reads."""

    def __init__(
        self,
        settings: Settings,
        *,
        base_document: Document,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        transports = transports or {}
        self.body_limits = BodyLimits(
            max_bytes=settings.max_body_bytes,
            idle_seconds=settings.body_idle_timeout_seconds,
            total_seconds=settings.body_total_timeout_seconds,
        )
        self.trusted_proxies: list[Network] = list(settings.trusted_proxies)
        self.internal_networks: list[Network] = list(settings.internal_networks)

        def breaker(name: str, url: str) -> CircuitBreaker:
            return CircuitBreaker(
                failure_threshold=settings.circuit_failure_threshold,
                reset_seconds=settings.circuit_reset_seconds,
                name=name,
                replica=url,
            )

        def upstream(name: str, prefix: str, urls: list[str], read_timeout: float) -> Upstream:
            return Upstream(
                name=name,
                prefix=prefix,
                # One breaker per replica: one failing replica leaves the others in use.
                replicas=[Replica(url, breaker(name, url)) for url in urls],
                # Waiting for a free pooled connection is bounded like connecting:
                # a full pool answers "busy" soon (gateway/proxy.py).
                timeouts=Timeouts(
                    connect=settings.connect_timeout_seconds,
                    read=read_timeout,
                    pool=settings.connect_timeout_seconds,
                ),
            )

        self.upstreams = (
            upstream(AUTH, "/auth", settings.auth_replicas, settings.auth_timeout_seconds),
            upstream(NOTES, "/notes", settings.notes_replicas, settings.notes_timeout_seconds),
        )
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections,
            max_keepalive_connections=settings.upstream_keepalive_connections,
        )
        for each in self.upstreams:
            transport = transports.get(each.name)
            # A transport given for an upstream (tests) is what its requests go through.
            use_aiohttp = transport is None and settings.upstream_client == "aiohttp"
            each.open(limits, transport, use_aiohttp=use_aiohttp)
        self.router: PrefixRouter[Upstream] = PrefixRouter({u.prefix: u for u in self.upstreams})

        # auth-service's keys and revocation list; the list is polled by a
        # task of the lifespan (gateway.main).
        self.verification = build_remote_verifier(settings, audiences=[settings.jwt_audience])
        self.jwks = self.verification.jwks
        self.revocations = self.verification.revocations
        self.tokens = TokenCheck(
            self.verification.verifier, max_header_bytes=settings.max_authorization_bytes
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
        self.public_readiness = CachedCheck(ttl_seconds=settings.public_readiness_cache_seconds)
        self.quotas = build_counter(settings.rate_limit, settings.redis_url.get_secret_value())

    def is_internal(self, client: str | None) -> bool:
        """Whether `client` (the address gateway.client_address settled on) is one of ours."""
        return in_networks(parse_address(client) if client else None, self.internal_networks)

    async def aclose(self) -> None:
        for each in self.upstreams:
            await each.aclose()
        await self.verification.aclose()
        await self.quotas.aclose()
