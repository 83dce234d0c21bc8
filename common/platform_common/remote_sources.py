"""What the verifiers fetch from auth-service, one URL each: the revocation
list (platform_common.revocations), the signing keys (platform_common.tokens)
and the personal token check (platform_common.personal_token_checks).

A fetch has a timeout; one that fails (transport, status or a malformed
answer) is counted and logged under the owner's module, then reported as
SourceUnavailable: what follows (keep the last good copy, refuse the token) is
the owner's to decide.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

import httpx
from prometheus_client import Counter, Gauge

T = TypeVar("T")


def metric_source(url: str) -> str:
    """A URL as a metric label: scheme, host, port and path; never credentials or a query."""
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


class _Aged(Protocol):
    @property
    def age(self) -> float | None: ...


def track_age(gauge: Gauge, source: str, owner: _Aged) -> None:
    """`gauge{source}` reads `owner.age` at each scrape (+Inf before its first
    fetch). A weak reference: a gauge must not keep a closed verifier alive."""
    reference = weakref.ref(owner)

    def age() -> float:
        current = reference()
        value = None if current is None else current.age
        return math.inf if value is None else value

    gauge.labels(source).set_function(age)


class SourceUnavailable(Exception):
    """The fetch failed; it has been counted and logged."""


@dataclass(eq=False)
class RemoteSource:
    """One URL at auth-service, the client that asks it and how long to wait.

    Subclasses are dataclasses too, their own options keyword-only."""

    url: str
    client: httpx.AsyncClient
    timeout: float = field(kw_only=True, default=3.0)
    # Logged with the URL and the error when a fetch fails; counted in `failures`.
    failure_log: ClassVar[str]
    failures: ClassVar[Counter]

    def __post_init__(self) -> None:
        self._failures = self.failures

    async def _request(
        self, parse: Callable[[Any], T], *, method: str = "GET", json: Any = None
    ) -> T:
        """`parse` of the answer's JSON; SourceUnavailable if the request, its
        status or `parse` (a ValueError) fails."""
        try:
            response = await self.client.request(method, self.url, json=json, timeout=self.timeout)
            response.raise_for_status()
            return parse(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            self._failures.inc()
            logging.getLogger(type(self).__module__).warning(self.failure_log, self.url, exc)
            raise SourceUnavailable from None


@dataclass(eq=False)
class PolledSource(RemoteSource):
    """A document kept between fetches (the last good one survives a failed
    fetch), its age (`age_gauge`) and failures exported per source URL."""

    age_gauge: ClassVar[Gauge]
    _fetched_at: float | None = field(init=False, repr=False, default=None)
    _lock: asyncio.Lock = field(init=False, repr=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        # `failures` by source instead of as a whole: the series is made here,
        # so it is exported (at 0) before the first failure.
        source = metric_source(self.url)
        self._failures = self.failures.labels(source)
        track_age(self.age_gauge, source, self)

    @property
    def age(self) -> float | None:
        """Seconds since the last successful fetch, None if never."""
        if self._fetched_at is None:
            return None
        return time.monotonic() - self._fetched_at
