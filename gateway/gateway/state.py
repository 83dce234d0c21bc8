"""What the request path needs, built once at start-up and closed at shutdown."""

from __future__ import annotations

from collections.abc import Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from gateway.aiohttp_sender import KEEPALIVE_SECONDS, AiohttpSender
from gateway.balancer import Replica
from gateway.body import BodyLimits
from gateway.cached_check import CachedCheck
from gateway.circuit import CircuitBreaker
from gateway.client_address import Network, in_networks, parse_address
from gateway.config import Settings
from gateway.httpx_sender import HttpxSender
from gateway.openapi_merge import Document, DocumentSource, MergedDocument
from gateway.proxy import Upstream
from gateway.quotas import build_counter
from gateway.routing import PrefixRouter
from gateway.token_check import TokenCheck
from gateway.transport import Sender, Timeouts
from gateway.upstreams import UpstreamSpec
from platform_common.verification import build_remote_verifier


def _refuse_all_cookies() -> CookieJar:
    # httpx stores Set-Cookie answers in the client's jar; a shared client must
    # never remember one user's cookies.
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _gateway_client(
    timeouts: Timeouts, limits: httpx.Limits, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    """An upstream's httpx client: the gateway's own calls, and its requests when
    the sender is httpx's."""
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect, pool=timeouts.pool),
        limits=limits,
        transport=transport,
        cookies=_refuse_all_cookies(),
        trust_env=False,
        follow_redirects=False,
    )
    # The client's default Accept, Accept-Encoding and User-Agent would be
    # merged into every forwarded request; the client's own headers go as sent.
    client.headers.clear()
    return client


class GatewayState:
    """The gateway's upstreams, token check and settings the request path reads."""

    def __init__(
        self,
        settings: Settings,
        *,
        base_document: Document,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        """`transports` replaces the network for the named upstreams (tests)."""
        self.body_limits = BodyLimits(
            max_bytes=settings.max_body_bytes,
            idle_seconds=settings.body_idle_timeout_seconds,
            total_seconds=settings.body_total_timeout_seconds,
        )
        self.trusted_proxies: list[Network] = list(settings.trusted_proxies)
        self.internal_networks: list[Network] = list(settings.internal_networks)

        table = settings.upstream_table
        transports = transports or {}
        self.upstreams = tuple(
            self._upstream(settings, spec, transports.get(spec.name)) for spec in table
        )
        # The route table, precomputed: the request path does one dict lookup
        # (or two) per request, and one set lookup for the token.
        rows = list(zip(table, self.upstreams, strict=True))
        self.router: PrefixRouter[Upstream] = PrefixRouter(
            {prefix: u for spec, u in rows for prefix in spec.prefixes},
            {path: u for spec, u in rows for path in spec.exact_paths},
        )
        self.open_routes = frozenset(pair for spec in table for pair in spec.open_pairs())

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
                DocumentSource(u.name, spec.public_paths, u.client, u.url + "/openapi.json")
                for spec, u in rows
            ],
            refresh_seconds=settings.openapi_refresh_seconds,
            timeout=settings.health_timeout_seconds,
        )
        self.health_timeout = settings.health_timeout_seconds
        self.public_readiness = CachedCheck(ttl_seconds=settings.public_readiness_cache_seconds)
        self.quotas = build_counter(settings.rate_limit, settings.redis_url.get_secret_value())

    @staticmethod
    def _upstream(
        settings: Settings, spec: UpstreamSpec, transport: httpx.AsyncBaseTransport | None
    ) -> Upstream:
        # Waiting for a free pooled connection is bounded like connecting:
        # a full pool answers "busy" soon (gateway/proxy.py).
        timeouts = Timeouts(
            connect=settings.connect_timeout_seconds,
            read=spec.timeout_seconds,
            pool=settings.connect_timeout_seconds,
        )
        limits = httpx.Limits(
            max_connections=settings.upstream_max_connections,
            max_keepalive_connections=settings.upstream_keepalive_connections,
            # Below uvicorn's 5 s, like the aiohttp sender: httpx's default, 5 s
            # too, let a readiness check reuse a connection the service was
            # closing (RemoteProtocolError, a 503 from /health/ready).
            keepalive_expiry=KEEPALIVE_SECONDS,
        )
        client = _gateway_client(timeouts, limits, transport)
        sender: Sender
        # A transport given for an upstream (tests) is what its requests go through.
        if transport is None and settings.upstream_client == "aiohttp":
            sender = AiohttpSender(timeouts, settings.upstream_max_connections)
        else:
            sender = HttpxSender(client)
        # One breaker per replica: one failing replica leaves the others in use.
        replicas = [
            Replica(
                url,
                CircuitBreaker(
                    failure_threshold=settings.circuit_failure_threshold,
                    reset_seconds=settings.circuit_reset_seconds,
                    name=spec.name,
                    replica=url,
                ),
            )
            for url in spec.urls
        ]
        return Upstream(name=spec.name, replicas=replicas, client=client, sender=sender)

    def is_internal(self, client: str | None) -> bool:
        """Whether `client` (the address gateway.client_address settled on) is one of ours."""
        return in_networks(parse_address(client) if client else None, self.internal_networks)

    async def aclose(self) -> None:
        for each in self.upstreams:
            await each.aclose()
        await self.verification.aclose()
        await self.quotas.aclose()
