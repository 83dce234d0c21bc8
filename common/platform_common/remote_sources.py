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


class RemoteSource:
    """One URL at auth-service, the client that asks it and how long to wait."""

    # Logged with the URL and the error when a fetch fails.
    failure_log: ClassVar[str]

    def __init__(
        self, url: str, client: httpx.AsyncClient, *, timeout: float, failures: Counter
    ) -> None:
        self._url = url
        self._client = client
        self._timeout = timeout
        self._failures = failures

    async def _request(
        self, parse: Callable[[Any], T], *, method: str = "GET", json: Any = None
    ) -> T:
        """`parse` of the answer's JSON; SourceUnavailable if the request, its
        status or `parse` (a ValueError) fails."""
        try:
            response = await self._client.request(
                method, self._url, json=json, timeout=self._timeout
            )
            response.raise_for_status()
            return parse(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            self._failures.inc()
            logging.getLogger(type(self).__module__).warning(self.failure_log, self._url, exc)
            raise SourceUnavailable from None


class PolledSource(RemoteSource):
    """A document kept between fetches (the last good one survives a failed
    fetch), its age and failures exported per source URL."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        timeout: float,
        age_gauge: Gauge,
        failures: Counter,
    ) -> None:
        source = metric_source(url)
        super().__init__(url, client, timeout=timeout, failures=failures.labels(source))
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        track_age(age_gauge, source, self)

    @property
    def age(self) -> float | None:
        """Seconds since the last successful fetch, None if never."""
        if self._fetched_at is None:
            return None
        return time.monotonic() - self._fetched_at
