"""Quotas per consumer: so many requests per window for each user or client address.

A consumer is the token's subject on routes that need a token (counted after
the token check, so a forged token spends nobody's quota) and the client
address on the open ones and for every refused token (a flood of forged
tokens is counted like one of open requests). Of the gateway's own routes
only the public `/health/ready` is counted (against the address): it calls
the upstreams. Counting is a fixed window: a consumer may send `limit`
requests in each window (up to twice that across a window boundary, the
price of one counter per consumer instead of a log of timestamps).

Answers carry the IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers,
structured-field form): `RateLimit-Policy: "consumer";q=<limit>;w=<window>`
and `RateLimit: "consumer";r=<remaining>;t=<seconds to reset>`; a refused
request gets 429 with them and `Retry-After`.

With `GATEWAY_REDIS_URL` the counters live in Redis, shared by every gateway
instance (one INCR and, for a new window, an EXPIRE, in one Lua script). When
Redis fails the request is let through (fail open) and a warning logged: a
quota is worth less than the platform staying up. Without Redis each instance
counts alone, in a map of bounded size.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.errors import documented_error
from platform_common.responses import header_doc

logger = logging.getLogger(__name__)

POLICY = "consumer"
_POLICY_BYTES = POLICY.encode()
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*([1-9][0-9]{0,8})\s*/\s*([1-9][0-9]{0,5})?\s*(second|minute|hour|day)s?\s*")
# In process: at most this many consumers are counted at once; past it the
# counters of finished windows go first, then the oldest. 100,000 entries
# are a few tens of MB at most.
MAX_KEYS = 100_000
# A Redis that does not answer must not hold requests up for long.
REDIS_TIMEOUT_SECONDS = 0.5
# One warning per this many seconds while Redis keeps failing.
WARNING_INTERVAL_SECONDS = 30.0

# INCR the window's counter; a new counter expires with its window.
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    window_seconds: int
    # The `RateLimit-Policy` value, the same for every answer: made once, not
    # looked up per request (bench/README.md); as text and as the ASGI header.
    policy: str = field(init=False, repr=False, compare=False)
    policy_header: tuple[bytes, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        policy = f'"{POLICY}";q={self.limit};w={self.window_seconds}'
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "policy_header", (b"ratelimit-policy", policy.encode()))

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_seconds}s"


def parse_rate(text: str) -> Rate:
    """`1200/minute`, `10/second`, `5000/hour`, `100/day`, or `100/10seconds`."""
    match = _RATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a rate like 1200/minute: {text!r}")
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * _UNITS[unit])


@dataclass(slots=True)  # one per request: see gateway.request on frozen dataclasses
class Usage:
    rate: Rate
    count: int  # requests in this window, this one included
    reset_seconds: int  # until the window ends, at least 1

    @property
    def allowed(self) -> bool:
        return self.count <= self.rate.limit

    def headers(self) -> dict[str, str]:
        remaining = max(self.rate.limit - self.count, 0)
        values = {
            "RateLimit-Policy": self.rate.policy,
            "RateLimit": f'"{POLICY}";r={remaining};t={self.reset_seconds}',
        }
        if not self.allowed:
            values["Retry-After"] = str(self.reset_seconds)
        return values

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """headers() of an allowed request as ASGI headers, made straight as bytes:
        what every proxied answer carries (bench/README.md, 2026-12-08)."""
        remaining = max(self.rate.limit - self.count, 0)
        value = b'"%s";r=%d;t=%d' % (_POLICY_BYTES, remaining, self.reset_seconds)
        return [self.rate.policy_header, (b"ratelimit", value)]


class Counter(Protocol):
    async def hit(self, consumer: str) -> Usage | None: ...

    async def aclose(self) -> None: ...


def _window(rate: Rate, now: float) -> tuple[int, int]:
    """The window `now` is in, and the whole seconds (at least 1) until it ends."""
    index = int(now // rate.window_seconds)
    end = (index + 1) * rate.window_seconds
    return index, max(int(end - now + 0.999), 1)


class InProcessCounter:
    def __init__(
        self,
        rate: Rate,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = rate
        self._max_keys = max_keys
        self._clock = clock
        # consumer -> (window index, count); oldest first.
        self._counts: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._swept: int | None = None  # the window whose start _make_room has seen

    def __len__(self) -> int:
        return len(self._counts)

    async def hit(self, consumer: str) -> Usage:
        index, reset = _window(self.rate, self._clock())
        window, count = self._counts.pop(consumer, (index, 0))
        count = count + 1 if window == index else 1
        self._make_room(index)
        self._counts[consumer] = (index, count)
        return Usage(self.rate, count, reset)

    def _make_room(self, index: int) -> None:
        # Every hit moves its consumer to the end, so the front holds the
        # least recently counted: first those of finished windows (they count
        # for nothing), then, only when the map is full of live ones, the oldest.
        # Once swept in a window, every entry is of that window: nothing to
        # look at until the next one or a full map (the look cost ~1% of the
        # gateway's CPU per request, bench/README.md).
        if index == self._swept and len(self._counts) < self._max_keys:
            return
        while self._counts:
            consumer, (window, _) = next(iter(self._counts.items()))
            if window == index and len(self._counts) < self._max_keys:
                break
            del self._counts[consumer]
        self._swept = index

    async def aclose(self) -> None:
        return None


class RedisCounter:
    def __init__(self, rate: Rate, redis: Redis, *, clock: Callable[[], float] = time.time) -> None:
        self.rate = rate
        self._redis = redis
        self._script = redis.register_script(_HIT_SCRIPT)
        self._clock = clock
        self._warned_at = -WARNING_INTERVAL_SECONDS

    @classmethod
    def from_url(cls, rate: Rate, url: str) -> RedisCounter:
        redis = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        return cls(rate, redis)

    async def hit(self, consumer: str) -> Usage | None:
        index, reset = _window(self.rate, self._clock())
        key = f"gateway:quota:{self.rate.window_seconds}:{index}:{consumer}"
        try:
            count = int(await self._script(keys=[key], args=[self.rate.window_seconds + 1]))
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return None
        return Usage(self.rate, count, reset)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARNING_INTERVAL_SECONDS:
            self._warned_at = now
            # The URL may hold a password: only the error's type and text.
            logger.warning("quota counter unavailable, requests let through: %r", exc)

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_counter(rate_limit: str, redis_url: str) -> Counter:
    rate = parse_rate(rate_limit)
    if redis_url:
        return RedisCounter.from_url(rate, redis_url)
    return InProcessCounter(rate)


_HEADER_DOCS = {
    "RateLimit-Policy": 'The consumer\'s quota: `"consumer";q=<requests>;w=<window seconds>`',
    "RateLimit": 'What is left of it: `"consumer";r=<remaining>;t=<seconds until reset>`',
}


def document_quota(operation: dict[str, object]) -> None:
    """Adds the 429 and RateLimit headers to a proxied operation of the merged document."""
    responses = operation.setdefault("responses", {})
    if not isinstance(responses, dict):
        return
    headers = {name: header_doc(text) for name, text in _HEADER_DOCS.items()}
    for status, response in responses.items():
        if str(status).startswith("2") and isinstance(response, dict):
            response.setdefault("headers", {}).update(headers)
    responses.setdefault(
        "429",
        documented_error(
            "Over the consumer's quota (the gateway's RateLimit policy)",
            {
                "Retry-After": header_doc("Seconds until the quota is renewed", "integer"),
                **headers,
            },
        ),
    )
