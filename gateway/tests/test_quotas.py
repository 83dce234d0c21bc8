"""Quotas per consumer (gateway/quotas.py): 429 with Retry-After and the IETF RateLimit headers."""

import logging
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.main import create_app
from gateway.quotas import InProcessCounter, Rate, RedisCounter, Usage, parse_rate
from platform_common.testing.clock import ManualClock
from platform_common.testing.contract import Contract
from platform_common.testing.forgery import forged_tokens
from platform_common.testing.issuer import TokenIssuer
from tests.conftest import NOTE, TOKENS, asgi_client, make_settings

REDIS_URL = "redis://127.0.0.1:6379/15"
# A password grant through the open token route (answered by the contract mock).
PASSWORD_FORM = {"grant_type": "password", "username": "a@example.com", "password": "x"}


class TestParseRate:
    @pytest.mark.parametrize(
        ("text", "rate"),
        [
            ("1200/minute", Rate(1200, 60)),
            ("10/second", Rate(10, 1)),
            ("5 / hours", Rate(5, 3600)),
            ("100/day", Rate(100, 86400)),
            ("100/10seconds", Rate(100, 10)),
        ],
    )
    def test_ok(self, text: str, rate: Rate) -> None:
        assert parse_rate(text) == rate

    @pytest.mark.parametrize(
        "text", ["", "0/minute", "-1/minute", "10", "10/fortnight", "x/minute"]
    )
    def test_refused(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a rate"):
            parse_rate(text)

    def test_setting_is_checked(self) -> None:
        with pytest.raises(ValueError, match="not a rate"):
            make_settings(rate_limit="lots")


class TestInProcessCounter:
    async def test_counts_per_consumer_and_window(self) -> None:
        clock = ManualClock(60 * 1000 + 15)
        counter = InProcessCounter(Rate(2, 60), clock=clock)
        first = await counter.hit("a")
        assert (first.count, first.allowed, first.reset_seconds) == (1, True, 45)
        assert (await counter.hit("a")).allowed
        third = await counter.hit("a")
        assert not third.allowed
        assert third.headers()["Retry-After"] == "45"
        assert (await counter.hit("b")).allowed
        clock.now += 45
        renewed = await counter.hit("a")
        assert (renewed.count, renewed.reset_seconds) == (1, 60)

    async def test_memory_is_bounded(self) -> None:
        clock = ManualClock()
        counter = InProcessCounter(Rate(5, 60), max_keys=3, clock=clock)
        for consumer in ("a", "b", "c", "d", "e"):
            await counter.hit(consumer)
        assert len(counter) == 3
        # The oldest went first: "a" starts again.
        assert (await counter.hit("a")).count == 1
        assert (await counter.hit("e")).count == 2

    async def test_finished_windows_go_before_live_ones(self) -> None:
        clock = ManualClock(0)
        counter = InProcessCounter(Rate(5, 60), max_keys=2, clock=clock)
        await counter.hit("old")
        clock.now = 60
        await counter.hit("live")
        await counter.hit("live")
        await counter.hit("new")
        assert (await counter.hit("live")).count == 3

    def test_headers_in_structured_field_form(self) -> None:
        headers = Usage(Rate(10, 60), 4, 30).headers()
        assert headers == {
            "RateLimit-Policy": '"consumer";q=10;w=60',
            "RateLimit": '"consumer";r=6;t=30',
        }

    def test_raw_headers_are_the_same_headers(self) -> None:
        # What a proxied answer carries, made as bytes: headers() in ASGI form.
        usage = Usage(Rate(10, 60), 4, 30)
        headers = usage.headers().items()
        assert usage.raw_headers() == [(k.lower().encode(), v.encode()) for k, v in headers]
        assert Usage(Rate(10, 60), 12, 5).raw_headers()[1] == (b"ratelimit", b'"consumer";r=0;t=5')


@pytest.fixture
async def limited(mock: respx.MockRouter) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(rate_limit="3/minute"))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def notes_listing(mock: respx.MockRouter, notes_contract: Contract) -> respx.Route:
    """notes-service answers GET /notes with one note (as its contract documents)."""
    return notes_contract.route(mock, "GET", "/notes", status=200, json=[NOTE])


def headers_of(issuer: TokenIssuer, subject: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(subject or str(uuid.uuid4()))}"}


RATE_LIMIT = re.compile(r'^"consumer";r=(\d+);t=(\d+)$')


class TestThroughTheGateway:
    async def test_per_user_quota(
        self,
        limited: FastAPI,
        notes_listing: respx.Route,
        issuer: TokenIssuer,
    ) -> None:
        alice, bob = headers_of(issuer), headers_of(issuer)
        async with asgi_client(limited) as client:
            remaining = []
            for _ in range(3):
                response = await client.get("/notes", headers=alice)
                assert response.status_code == 200
                assert response.headers["RateLimit-Policy"] == '"consumer";q=3;w=60'
                match = RATE_LIMIT.match(response.headers["RateLimit"])
                assert match is not None
                remaining.append(int(match.group(1)))
            assert remaining == [2, 1, 0]
            refused = await client.get("/notes", headers=alice)
            assert refused.status_code == 429
            assert refused.json() == {"detail": "Too Many Requests"}
            assert refused.headers["RateLimit-Policy"] == '"consumer";q=3;w=60'
            match = RATE_LIMIT.match(refused.headers["RateLimit"])
            assert match is not None
            assert match.group(1) == "0"
            assert refused.headers["Retry-After"] == match.group(2)
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert notes_listing.call_count == 3
            # Another user, even from the same address, has a quota of their own.
            assert (await client.get("/notes", headers=bob)).status_code == 200

    async def test_one_user_from_two_addresses_shares_one_quota(
        self,
        limited: FastAPI,
        notes_listing: respx.Route,
        issuer: TokenIssuer,
    ) -> None:
        alice = headers_of(issuer)
        for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"):
            async with asgi_client(limited, address) as client:
                last = await client.get("/notes", headers=alice)
        assert last.status_code == 429

    async def test_open_routes_per_address(
        self, limited: FastAPI, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        auth_contract.route(mock, "POST", "/auth/token", status=200, json=TOKENS)
        async with asgi_client(limited, "198.51.100.1") as client:
            statuses = [
                (await client.post("/auth/token", data=PASSWORD_FORM)).status_code for _ in range(4)
            ]
        assert statuses == [200, 200, 200, 429]
        async with asgi_client(limited, "198.51.100.2") as other:
            assert (await other.post("/auth/token", data=PASSWORD_FORM)).status_code == 200

    async def test_upstream_errors_carry_the_headers_too(
        self,
        limited: FastAPI,
        mock: respx.MockRouter,
        notes_contract: Contract,
        issuer: TokenIssuer,
    ) -> None:
        notes_contract.route(
            mock,
            "GET",
            "/notes/1",
            template="/notes/{note_id}",
            status=404,
            json={"detail": "Note not found"},
        )
        async with asgi_client(limited) as client:
            response = await client.get("/notes/1", headers=headers_of(issuer))
        assert response.status_code == 404
        assert response.headers["RateLimit"].startswith('"consumer";r=2;')

    async def test_own_routes_are_not_counted(self, limited: FastAPI) -> None:
        async with asgi_client(limited, "127.0.0.1") as client:
            for path in ("/health/live", "/health/live", "/docs", "/docs", "/metrics", "/metrics"):
                response = await client.get(path)
                assert response.status_code != 429
                assert "RateLimit" not in response.headers

    async def test_merged_document_shows_429_and_headers(
        self,
        client: httpx.AsyncClient,
        mock: respx.MockRouter,
        notes_contract: Contract,
        auth_contract: Contract,
    ) -> None:
        mock.get("http://notes.test/openapi.json").respond(json=notes_contract.document)
        mock.get("http://auth.test/openapi.json").respond(json=auth_contract.document)
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/notes/{note_id}"]["get"]
        assert set(operation["responses"]["429"]["headers"]) == {
            "Retry-After",
            "RateLimit",
            "RateLimit-Policy",
        }
        assert operation["responses"]["429"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorDetail"
        }
        assert {"RateLimit", "RateLimit-Policy", "ETag"} <= set(
            operation["responses"]["200"]["headers"]
        )
        assert "429" not in document["paths"]["/health/live"]["get"]["responses"]
        # The public readiness answer is counted (issue 33, item 8).
        assert (
            "Retry-After"
            in document["paths"]["/health/ready"]["get"]["responses"]["429"]["headers"]
        )


def remaining(response: httpx.Response) -> int:
    match = RATE_LIMIT.match(response.headers["RateLimit"])
    assert match is not None, response.headers["RateLimit"]
    return int(match.group(1))


class TestRefusedTokens:
    """Issue 33, item 7: a refused token is counted against the client address."""

    @pytest.mark.parametrize(
        "kind", ["another key, same kid", "alg none", "expired", "garbage", "no token"]
    )
    async def test_counted_per_address_never_against_the_subject(
        self, limited: FastAPI, notes_listing: respx.Route, issuer: TokenIssuer, kind: str
    ) -> None:
        victim = str(uuid.uuid4())
        forged = (
            {}
            if kind == "no token"
            else {"Authorization": f"Bearer {forged_tokens(issuer, victim)[kind]}"}
        )
        async with asgi_client(limited, "198.51.100.7") as attacker:
            answers = [await attacker.get("/notes", headers=forged) for _ in range(4)]
            assert [a.status_code for a in answers] == [401, 401, 401, 429]
            assert [remaining(a) for a in answers] == [2, 1, 0, 0]
            assert all(a.headers["RateLimit-Policy"] == '"consumer";q=3;w=60' for a in answers)
            assert "WWW-Authenticate" in answers[0].headers
            refused = answers[-1]
            assert refused.json() == {"detail": "Too Many Requests"}
            match = RATE_LIMIT.match(refused.headers["RateLimit"])
            assert match is not None
            assert refused.headers["Retry-After"] == match.group(2)
            # The subject the forgeries named keeps its whole quota, even from
            # the attacker's address.
            own = await attacker.get("/notes", headers=headers_of(issuer, victim))
            assert (own.status_code, remaining(own)) == (200, 2)
        async with asgi_client(limited, "198.51.100.8") as bystander:
            assert (await bystander.get("/notes", headers=forged)).status_code == 401
        assert notes_listing.call_count == 1

    async def test_the_same_quota_as_the_open_routes(
        self, limited: FastAPI, mock: respx.MockRouter, auth_contract: Contract
    ) -> None:
        auth_contract.route(mock, "POST", "/auth/token", status=200, json=TOKENS)
        bad = {"Authorization": "Bearer bad"}
        async with asgi_client(limited, "198.51.100.9") as client:
            statuses = [(await client.get("/notes", headers=bad)).status_code for _ in range(2)]
            statuses.append((await client.post("/auth/token", data=PASSWORD_FORM)).status_code)
            statuses.append((await client.post("/auth/token", data=PASSWORD_FORM)).status_code)
        assert statuses == [401, 401, 200, 429]


class TestAddressKeys:
    """Issue 33, item 9: IPv6 clients are counted by their /64, IPv4 ones whole."""

    @pytest.mark.parametrize(
        ("addresses", "elsewhere"),
        [
            (
                ["2001:db8:7:8::1", "2001:db8:7:8::2", "2001:db8:7:8:a:b:c:d", "2001:db8:7:8::ff"],
                "2001:db8:7:9::1",
            ),
            (
                ["::ffff:198.51.100.30", "198.51.100.30", "::ffff:c633:641e", "198.51.100.30"],
                "198.51.100.31",
            ),
        ],
        ids=["one /64", "IPv4-mapped is IPv4"],
    )
    async def test_one_quota_per_key(
        self,
        limited: FastAPI,
        mock: respx.MockRouter,
        auth_contract: Contract,
        addresses: list[str],
        elsewhere: str,
    ) -> None:
        auth_contract.route(mock, "POST", "/auth/token", status=200, json=TOKENS)
        statuses = []
        for address in addresses:
            async with asgi_client(limited, address) as client:
                statuses.append((await client.post("/auth/token", data=PASSWORD_FORM)).status_code)
        assert statuses == [200, 200, 200, 429]
        async with asgi_client(limited, elsewhere) as other:
            assert (await other.post("/auth/token", data=PASSWORD_FORM)).status_code == 200

    async def test_refused_tokens_and_readiness_too(
        self, limited: FastAPI, live_upstreams: tuple[respx.Route, respx.Route]
    ) -> None:
        statuses = []
        for n, path in enumerate(["/notes", "/health/ready", "/notes", "/health/ready"]):
            async with asgi_client(limited, f"2001:db8:7:a::{n + 1}") as client:
                statuses.append((await client.get(path)).status_code)
        assert statuses == [401, 200, 401, 429]


async def redis_or_skip() -> Redis:
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        await redis.ping()
    except (RedisError, OSError):
        await redis.aclose()
        pytest.skip("no Redis at 127.0.0.1:6379 (the in-process counter is tested above)")
    return redis


class TestRedisCounter:
    async def test_instances_share_the_count(self) -> None:
        redis = await redis_or_skip()
        try:
            clock = ManualClock()
            one = RedisCounter(Rate(3, 60), Redis.from_url(REDIS_URL), clock=clock)
            two = RedisCounter(Rate(3, 60), Redis.from_url(REDIS_URL), clock=clock)
            consumer = f"user:{uuid.uuid4()}"
            counts = []
            for counter in (one, two, one, two):
                usage = await counter.hit(consumer)
                assert usage is not None
                counts.append((usage.count, usage.allowed))
            assert counts == [(1, True), (2, True), (3, True), (4, False)]
            keys = [key async for key in redis.scan_iter(f"gateway:quota:60:*:{consumer}")]
            assert len(keys) == 1
            assert 0 < await redis.ttl(keys[0]) <= 61
            await one.aclose()
            await two.aclose()
        finally:
            await redis.aclose()

    async def test_through_the_gateway(
        self, notes_listing: respx.Route, issuer: TokenIssuer
    ) -> None:
        redis = await redis_or_skip()
        await redis.aclose()
        alice = headers_of(issuer)
        apps = [
            create_app(make_settings(rate_limit="2/minute", redis_url=REDIS_URL)) for _ in range(2)
        ]
        async with (
            apps[0].router.lifespan_context(apps[0]),
            apps[1].router.lifespan_context(apps[1]),
        ):
            statuses = []
            for app in (apps[0], apps[1], apps[0]):
                async with asgi_client(app) as client:
                    statuses.append((await client.get("/notes", headers=alice)).status_code)
        assert statuses == [200, 200, 429]

    async def test_redis_down_lets_requests_through_with_a_warning(
        self,
        notes_listing: respx.Route,
        issuer: TokenIssuer,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        # Nothing listens on port 1.
        app = create_app(make_settings(rate_limit="1/minute", redis_url="redis://127.0.0.1:1/0"))
        alice = headers_of(issuer)
        with caplog.at_level(logging.WARNING, logger="gateway.quotas"):
            async with app.router.lifespan_context(app), asgi_client(app) as client:
                statuses = [
                    (await client.get("/notes", headers=alice)).status_code for _ in range(3)
                ]
        assert statuses == [200, 200, 200]
        warnings = [r for r in caplog.records if r.name == "gateway.quotas"]
        assert len(warnings) == 1
        assert "quota counter unavailable" in warnings[0].getMessage()
