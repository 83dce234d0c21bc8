"""The metrics platform_common exports beside per-route counts: database pool
use, the signing keys' and the revocation list's age and failed fetches, the
verified-token cache's hits and misses.

Each is read the way Prometheus reads it: a scrape of an app's `/metrics`
after provoking the condition.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from prometheus_client import generate_latest

from platform_common.database import create_database_engine
from platform_common.observability import metrics
from platform_common.revocations import RevokedSubjects
from platform_common.testing.issuer import TokenIssuer
from platform_common.testing.metrics import metric_value
from platform_common.tokens import AccessTokenVerifier, JwksCache, StaticKeys, parse_jwks

AUTH = "http://auth.test:8001"
JWKS_URL = f"{AUTH}/auth/.well-known/jwks.json"
REVOCATIONS_URL = f"{AUTH}/internal/revocations"


async def scrape() -> str:
    app = FastAPI()
    app.add_api_route("/metrics", metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


def auth_service(answer: Callable[[], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda _request: answer()))


def down() -> httpx.Response:
    return httpx.Response(503, json={"detail": "Service unavailable"})


class TestDatabasePool:
    async def test_connections_in_use_and_waiting(self) -> None:
        url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        engine = create_database_engine(url, pool_size=1, max_overflow=0)
        try:
            before = await scrape()
            held = await engine.connect()

            async def second() -> None:
                async with engine.connect():
                    pass

            waiter = asyncio.create_task(second())
            await asyncio.sleep(0.2)  # the waiter is queued behind the pool's one connection
            during = await scrape()
            await held.close()
            await waiter
            after = await scrape()
        finally:
            await engine.dispose()

        def delta(exposition: str, name: str) -> float:
            return (metric_value(exposition, name) or 0) - (metric_value(before, name) or 0)

        assert delta(during, "db_pool_connections_in_use") == 1
        assert delta(during, "db_pool_connections_waiting") == 1
        assert (metric_value(during, "db_pool_connections_max") or 0) >= 1
        assert delta(after, "db_pool_connections_in_use") == 0
        assert delta(after, "db_pool_connections_waiting") == 0


class TestSigningKeys:
    async def test_age_and_failed_refreshes(self) -> None:
        answers = [httpx.Response(200, json={"keys": []}), down()]
        async with auth_service(lambda: answers.pop(0)) as http:
            cache = JwksCache(JWKS_URL, http, refetch_floor=0)
            never = await scrape()
            assert metric_value(never, "jwks_age_seconds", source=JWKS_URL) == math.inf
            before = metric_value(never, "jwks_refresh_failures_total", source=JWKS_URL) or 0
            await cache.refresh()
            fresh = await scrape()
            age = metric_value(fresh, "jwks_age_seconds", source=JWKS_URL)
            assert age is not None
            assert 0 <= age < 60
            await cache.refresh()  # auth-service answers 503: the old keys stay
            failed = await scrape()
            assert metric_value(failed, "jwks_refresh_failures_total", source=JWKS_URL) == (
                before + 1
            )
            assert cache.age is not None  # still the first fetch's keys

    def test_the_label_never_carries_credentials_or_a_query(self) -> None:
        http = httpx.AsyncClient()
        JwksCache("http://user:pw@auth.test:8001/jwks.json?token=secret", http)
        text = generate_latest().decode()
        assert 'source="http://auth.test:8001/jwks.json"' in text
        assert "secret" not in text
        assert "pw@" not in text


class TestRevocationList:
    async def test_age_and_failed_fetches(self) -> None:
        answers = [httpx.Response(200, json={"revoked": []}), down()]
        async with auth_service(lambda: answers.pop(0)) as http:
            subjects = RevokedSubjects(REVOCATIONS_URL, http)
            never = await scrape()
            assert metric_value(never, "revocation_list_age_seconds", source=REVOCATIONS_URL) == (
                math.inf
            )
            failures = "revocation_list_fetch_failures_total"
            before = metric_value(never, failures, source=REVOCATIONS_URL) or 0
            assert await subjects.refresh()
            fresh = await scrape()
            age = metric_value(fresh, "revocation_list_age_seconds", source=REVOCATIONS_URL)
            assert age is not None
            assert 0 <= age < 60
            assert not await subjects.refresh()
            failed = await scrape()
            assert metric_value(failed, failures, source=REVOCATIONS_URL) == before + 1


class TestVerifiedTokenCache:
    async def test_hits_and_misses(self) -> None:
        issuer = TokenIssuer()
        verifier = AccessTokenVerifier(
            StaticKeys(parse_jwks(issuer.jwks())), issuer=issuer.issuer, audiences=[issuer.audience]
        )
        first, second = issuer.token("user-1"), issuer.token("user-2")
        before = await scrape()
        await verifier.verify(first)  # never seen: the signature is checked
        await verifier.verify(first)  # seen: from the cache
        await verifier.verify(first)
        await verifier.verify(second)
        after = await scrape()

        def delta(result: str) -> float:
            name = "access_token_cache_lookups_total"
            was = metric_value(before, name, result=result) or 0
            return (metric_value(after, name, result=result) or 0) - was

        assert (delta("hit"), delta("miss")) == (2, 2)
