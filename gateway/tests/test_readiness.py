"""Public `/health/ready` (gateway/readiness.py; issue 33, item 8).

One answer serves every public caller for `GATEWAY_PUBLIC_READINESS_CACHE_SECONDS`,
so the public cannot make the gateway call each replica's `/health/live` once
per request; and each public call is counted against the client address's quota.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from fastapi import FastAPI

from gateway.main import create_app
from tests.conftest import INTERNAL_ADDRESS, asgi_client, make_settings

LiveRoutes = tuple[respx.Route, respx.Route]


@pytest.fixture
async def cached(mock: respx.MockRouter) -> AsyncIterator[FastAPI]:
    """A gateway whose public answer outlives any test (expiry is tested apart)."""
    app = create_app(make_settings(public_readiness_cache_seconds=600))
    async with app.router.lifespan_context(app):
        yield app


def live_calls(routes: LiveRoutes) -> list[int]:
    return [route.call_count for route in routes]


class TestPublicAnswerIsShared:
    async def test_many_public_calls_reach_each_replica_once(
        self, cached: FastAPI, live_upstreams: LiveRoutes
    ) -> None:
        async with asgi_client(cached) as public:
            answers = [await public.get("/health/ready") for _ in range(30)]
            answers += await asyncio.gather(*(public.get("/health/ready") for _ in range(30)))
            heads = [await public.head("/health/ready") for _ in range(10)]
        assert {(a.status_code, a.text) for a in answers} == {(200, '{"status":"ok"}')}
        assert {(h.status_code, h.content) for h in heads} == {(200, b"")}
        assert live_calls(live_upstreams) == [1, 1]

    async def test_concurrent_first_calls_share_one_check(
        self, cached: FastAPI, live_upstreams: LiveRoutes
    ) -> None:
        async with asgi_client(cached) as public:
            answers = await asyncio.gather(*(public.get("/health/ready") for _ in range(40)))
        assert {a.status_code for a in answers} == {200}
        assert live_calls(live_upstreams) == [1, 1]

    async def test_not_ready_is_shared_too(
        self, cached: FastAPI, live_upstreams: LiveRoutes
    ) -> None:
        _, notes = live_upstreams
        notes.mock(side_effect=httpx.ConnectError("refused"))
        async with asgi_client(cached) as public:
            answers = [await public.get("/health/ready") for _ in range(20)]
        assert {(a.status_code, a.text) for a in answers} == {(503, '{"status":"unavailable"}')}
        assert live_calls(live_upstreams) == [1, 1]

    async def test_checked_again_once_the_answer_is_old(
        self, mock: respx.MockRouter, live_upstreams: LiveRoutes
    ) -> None:
        app = create_app(make_settings(public_readiness_cache_seconds=0.2))
        async with app.router.lifespan_context(app), asgi_client(app) as public:
            for _ in range(5):
                assert (await public.get("/health/ready")).status_code == 200
            assert live_calls(live_upstreams) == [1, 1]
            await asyncio.sleep(0.3)
            _, notes = live_upstreams
            notes.mock(side_effect=httpx.ConnectError("refused"))
            assert (await public.get("/health/ready")).status_code == 503
        assert live_calls(live_upstreams) == [2, 2]

    async def test_internal_clients_get_a_fresh_detailed_report(
        self, cached: FastAPI, live_upstreams: LiveRoutes
    ) -> None:
        async with asgi_client(cached, INTERNAL_ADDRESS) as internal:
            for _ in range(3):
                assert "checks" in (await internal.get("/health/ready")).json()
        assert live_calls(live_upstreams) == [3, 3]

    def test_setting_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="public_readiness_cache_seconds"):
            make_settings(public_readiness_cache_seconds=0)


class TestPublicCallsAreCounted:
    @pytest.fixture
    async def limited(self, mock: respx.MockRouter) -> AsyncIterator[FastAPI]:
        app = create_app(make_settings(rate_limit="3/minute"))
        async with app.router.lifespan_context(app):
            yield app

    async def test_against_the_address_quota(
        self, limited: FastAPI, live_upstreams: LiveRoutes
    ) -> None:
        async with asgi_client(limited, "198.51.100.20") as public:
            answers = [await public.get("/health/ready") for _ in range(4)]
            assert [a.status_code for a in answers] == [200, 200, 200, 429]
            assert [a.headers["RateLimit"].split(";")[1] for a in answers] == [
                "r=2",
                "r=1",
                "r=0",
                "r=0",
            ]
            assert answers[-1].json() == {"detail": "Too Many Requests"}
            assert int(answers[-1].headers["Retry-After"]) > 0
            assert (await public.head("/health/ready")).status_code == 429
        async with asgi_client(limited, "198.51.100.21") as other:
            assert (await other.get("/health/ready")).status_code == 200
        async with asgi_client(limited, INTERNAL_ADDRESS) as internal:
            for _ in range(5):
                answer = await internal.get("/health/ready")
                assert answer.status_code == 200
                assert "RateLimit" not in answer.headers
