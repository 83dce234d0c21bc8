"""Refuse access tokens that an account change has ended.

Every user access token carries the account's token version (claim `ver`,
missing = 0). auth-service bumps the version, in the same transaction, when
the password or email changes or the account is deactivated, and publishes
at `GET /internal/revocations`, for every subject changed or deleted within
the last access-token lifetime plus a leeway, the lowest version still valid:

    {"revoked": [{"sub": "<user id>", "min_version": 3},
                 {"sub": "<deleted user id>", "min_version": null}]}

`min_version: null` means no version is valid (the account is deleted). Each
verifier (gateway and services) polls that list and refuses a token of a
listed subject whose `ver` is lower. No clocks are compared: a login racing a
change either read the old version before the change committed (and its
token is refused once the list shows the change) or the new one.

The bound: a change committed at time r is refused everywhere by r + poll
interval + one fetch (its timeout at worst) + the request in flight, 2 to 4
seconds with the defaults. A failed poll keeps the last good list (a short
auth-service outage must not un-revoke anyone, nor lock everyone out); during
such an outage no account can change, since auth-service makes the changes.

Fail closed: until the list has loaded once, `AccessTokenVerifier.verify`
asks `ensure_loaded()` for one fetch (under a lock, at most once per
`retry_floor` seconds, as the JWKS refetch) and refuses the token if the list
is still not there; the services' readiness reports not ready meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from typing import Any, Protocol

import httpx
from prometheus_client import Counter, Gauge

logger = logging.getLogger(__name__)

# Per verifier process and list URL (one each in production): an operator's
# "is this process refusing revoked tokens?" (deploy/monitoring/alerts.yaml).
REVOCATIONS_AGE = Gauge(
    "revocation_list_age_seconds",
    "Seconds since the revocation list was last fetched; +Inf before the first fetch",
    ["source"],
)
REVOCATIONS_FAILURES = Counter(
    "revocation_list_fetch_failures_total",
    "Fetches of the revocation list that failed (the last good list is kept)",
    ["source"],
)


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


def _entry(entry: Any) -> tuple[str, int | None]:
    if isinstance(entry, dict) and isinstance(entry.get("sub"), str) and "min_version" in entry:
        version = entry["min_version"]
        # bool is an int to Python, not to JSON Schema.
        if version is None or (
            isinstance(version, int) and not isinstance(version, bool) and version >= 0
        ):
            return entry["sub"], version
    raise ValueError(f"malformed revocation entry {entry!r:.100}")


def parse_revocations(document: Any) -> dict[str, int | None]:
    """`{"revoked": [{"sub": ..., "min_version": <int> | null}]}` → subject → minimum.

    A malformed entry refuses the whole list (the last good one is kept):
    skipping it would let that subject's tokens through. A subject listed
    twice keeps its strictest entry.
    """
    if not isinstance(document, dict) or not isinstance(document.get("revoked"), list):
        raise ValueError("not a revocation list")
    revoked: dict[str, int | None] = {}
    for entry in document["revoked"]:
        subject, version = _entry(entry)
        if subject in revoked:
            known = revoked[subject]
            version = None if known is None or version is None else max(known, version)
        revoked[subject] = version
    return revoked


class RevokedSubjects:
    """The revocation list of one URL, replaced wholesale by each successful fetch."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        interval: float = 2.0,
        timeout: float = 2.0,
        retry_floor: float = 1.0,
    ) -> None:
        self._url = url
        self._client = client
        self.interval = interval
        self._timeout = timeout
        self._retry_floor = retry_floor
        self._revoked: dict[str, int | None] = {}
        self._fetched_at: float | None = None
        self._load_attempted_at = -math.inf
        self._lock = asyncio.Lock()
        source = metric_source(url)
        track_age(REVOCATIONS_AGE, source, self)
        self._failures = REVOCATIONS_FAILURES.labels(source)

    @property
    def loaded(self) -> bool:
        return self._fetched_at is not None

    @property
    def age(self) -> float | None:
        """Seconds since the last successful fetch, None if never."""
        if self._fetched_at is None:
            return None
        return time.monotonic() - self._fetched_at

    def __len__(self) -> int:
        return len(self._revoked)

    def is_revoked(self, subject: str, version: int) -> bool:
        if subject not in self._revoked:
            return False
        min_version = self._revoked[subject]
        return min_version is None or version < min_version

    async def ensure_loaded(self) -> bool:
        """Whether the list has loaded; if not, one fetch, unless another is in
        flight (this waits for it) or this method tried less than `retry_floor`
        seconds ago, so a flood of requests cannot become a flood of fetches.
        The poller's own failures do not count: a request right after a failed
        first poll (auth-service was still starting) may try again at once."""
        if self.loaded:
            return True
        async with self._lock:
            return await self._load_once()

    async def _load_once(self) -> bool:
        if self.loaded:  # by the fetch this one waited for
            return True
        now = time.monotonic()
        if now - self._load_attempted_at < self._retry_floor:
            return False
        self._load_attempted_at = now
        return await self._fetch()

    async def refresh(self) -> bool:
        """Fetch the list once; on failure keep the last one. True when fetched."""
        async with self._lock:
            return await self._fetch()

    async def _fetch(self) -> bool:
        try:
            response = await self._client.get(self._url, timeout=self._timeout)
            response.raise_for_status()
            revoked = parse_revocations(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("revocation list fetch from %s failed: %s", self._url, exc)
            self._failures.inc()
            return False
        self._revoked = revoked
        self._fetched_at = time.monotonic()
        return True

    async def poll_forever(self) -> None:
        """Run as a background task for the life of the service; cancel it to stop."""
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval)
