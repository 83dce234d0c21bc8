"""Refuse access tokens that an account change, an ended session or a
revoked client has ended.

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

Narrower sets of tokens are listed beside the subjects, for as long:

    "sessions": [{"sid": "<refresh-token family id>"}],
    "clients": [{"client_id": "<client id>", "not_before": <unix seconds>}]

A session (log-out, a session ended, RFC 7009 revocation, refresh-token reuse,
a code redeemed twice) ends every token carrying its `sid`: its refresh tokens
are revoked in the same transaction, so none of its tokens is issued after
the entry. A client ends every token whose `client_id` it is and whose `iat`
is earlier than `not_before`; that compares clocks (auth-service's replicas'),
and `not_before` is rounded up to the next second so that every token signed
before the revocation is refused, and one signed in that same second too.
Both keys are optional to a verifier: an auth-service from before them lists
none, and a verifier from before them ignores them.

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
import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from prometheus_client import Counter, Gauge

from platform_common.remote_sources import PolledSource, SourceUnavailable

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


def _entry(entry: Any) -> tuple[str, int | None]:
    if isinstance(entry, dict) and isinstance(entry.get("sub"), str) and "min_version" in entry:
        version = entry["min_version"]
        if version is None or _natural(version):
            return entry["sub"], version
    raise ValueError(f"malformed revocation entry {entry!r:.100}")


def _natural(value: Any) -> bool:
    # bool is an int to Python, not to JSON Schema.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _name(entry: Any, key: str) -> str:
    value = entry.get(key) if isinstance(entry, dict) else None
    if isinstance(value, str) and value:
        return value
    raise ValueError(f"malformed revocation entry {entry!r:.100}")


def _client_entry(entry: Any) -> tuple[str, int]:
    client_id = _name(entry, "client_id")
    if not _natural(entry.get("not_before")):
        raise ValueError(f"malformed revocation entry {entry!r:.100}")
    return client_id, entry["not_before"]


def _optional_list(document: dict[str, Any], key: str) -> list[Any]:
    entries = document.get(key, [])
    if not isinstance(entries, list):
        raise ValueError(f"malformed revocation list: {key} is not a list")
    return entries


@dataclass(frozen=True, slots=True)
class Revocations:
    """One fetched list: subject → lowest valid version (None: none is valid);
    the ended sessions' ids; client id → the `iat` its tokens need at least."""

    subjects: dict[str, int | None] = field(default_factory=dict)
    sessions: frozenset[str] = frozenset()
    clients: dict[str, int] = field(default_factory=dict)


def parse_revocations(document: Any) -> Revocations:
    """`{"revoked": [...], "sessions": [...], "clients": [...]}` (the module's
    docstring) → Revocations.

    A malformed entry refuses the whole list (the last good one is kept):
    skipping it would let that subject's, session's or client's tokens
    through. A subject or client listed twice keeps its strictest entry.
    """
    if not isinstance(document, dict) or not isinstance(document.get("revoked"), list):
        raise ValueError("not a revocation list")
    subjects: dict[str, int | None] = {}
    for entry in document["revoked"]:
        subject, version = _entry(entry)
        if subject in subjects:
            known = subjects[subject]
            version = None if known is None or version is None else max(known, version)
        subjects[subject] = version
    sessions = frozenset(_name(entry, "sid") for entry in _optional_list(document, "sessions"))
    clients: dict[str, int] = {}
    for entry in _optional_list(document, "clients"):
        client_id, not_before = _client_entry(entry)
        clients[client_id] = max(not_before, clients.get(client_id, not_before))
    return Revocations(subjects=subjects, sessions=sessions, clients=clients)


class Revocable(Protocol):
    """What the list judges a token by (platform_common.tokens.AccessClaims)."""

    @property
    def subject(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def session_id(self) -> str | None: ...

    @property
    def client_id(self) -> str | None: ...

    @property
    def issued_at(self) -> int: ...


@dataclass(eq=False, kw_only=True)
class RevokedSubjects(PolledSource):
    """The revocation list of one URL (subjects, sessions and clients),
    replaced wholesale by each successful fetch."""

    failure_log = "revocation list fetch from %s failed: %s"
    failures = REVOCATIONS_FAILURES
    age_gauge = REVOCATIONS_AGE

    interval: float = 2.0
    timeout: float = 2.0
    retry_floor: float = 1.0
    _revoked: Revocations = field(init=False, repr=False, default_factory=Revocations)
    _load_attempted_at: float = field(init=False, repr=False, default=-math.inf)

    @property
    def loaded(self) -> bool:
        return self._fetched_at is not None

    def __len__(self) -> int:
        """Entries listed: subjects, sessions and clients."""
        listed = self._revoked
        return len(listed.subjects) + len(listed.sessions) + len(listed.clients)

    def is_revoked(self, subject: str, version: int) -> bool:
        """Whether a change to the account `subject` ended tokens of `version`."""
        subjects = self._revoked.subjects
        if subject not in subjects:
            return False
        min_version = subjects[subject]
        return min_version is None or version < min_version

    def refuses(self, token: Revocable) -> bool:
        """Whether the token's account, session or client has ended it."""
        listed = self._revoked
        if token.session_id is not None and token.session_id in listed.sessions:
            return True
        not_before = listed.clients.get(token.client_id) if token.client_id is not None else None
        if not_before is not None and token.issued_at < not_before:
            return True
        return self.is_revoked(token.subject, token.version)

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
        if now - self._load_attempted_at < self.retry_floor:
            return False
        self._load_attempted_at = now
        return await self._fetch()

    async def refresh(self) -> bool:
        """Fetch the list once; on failure keep the last one. True when fetched."""
        async with self._lock:
            return await self._fetch()

    async def _fetch(self) -> bool:
        try:
            revoked = await self._request(parse_revocations)
        except SourceUnavailable:
            return False
        self._revoked = revoked
        self._fetched_at = time.monotonic()
        return True

    async def poll_forever(self) -> None:
        """Run as a background task for the life of the service; cancel it to stop."""
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval)
