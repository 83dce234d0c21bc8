"""Refuse access tokens of accounts deleted or deactivated after the token was issued.

A short access-token lifetime alone would leave a deleted account usable for
up to that lifetime. auth-service writes a revocation (subject, moment) in the
same transaction as the deletion or deactivation, and publishes at
`GET /internal/revocations` every subject revoked within the last access-token
lifetime plus a leeway. Each verifier (gateway and services) polls that list
and refuses a token of a listed subject issued at or before that moment.

The bound: a revocation committed at time r is refused everywhere by
r + poll interval + one fetch (its timeout at worst) + the request in flight,
2 to 4 seconds with the defaults. A failed poll keeps the last good list (a
short auth-service outage must not un-revoke anyone, nor lock everyone out);
during such an outage no new deletions can happen, since auth-service does
them, so only revocations committed in the last interval before it began can
be missed until it is back. Before the first successful fetch the list is
empty: the verifier also needs auth-service's JWKS then, so nothing extra is
let through.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

logger = logging.getLogger(__name__)


def parse_revocations(document: Any) -> dict[str, int]:
    """`{"revoked": [{"sub": ..., "revoked_at": <epoch seconds>}]}` → subject → moment.

    Malformed entries are skipped; a subject listed twice keeps its latest moment.
    """
    if not isinstance(document, dict) or not isinstance(document.get("revoked"), list):
        raise ValueError("not a revocation list")
    revoked: dict[str, int] = {}
    for entry in document["revoked"]:
        if not isinstance(entry, dict):
            continue
        subject, revoked_at = entry.get("sub"), entry.get("revoked_at")
        # bool is an int to Python, not to JSON Schema.
        if not isinstance(subject, str) or not isinstance(revoked_at, int):
            continue
        if isinstance(revoked_at, bool):
            continue
        revoked[subject] = max(revoked_at, revoked.get(subject, revoked_at))
    return revoked


class RevokedSubjects:
    """The revocation list of one URL, replaced wholesale by each successful fetch."""

    def __init__(
        self, url: str, client: httpx.AsyncClient, *, interval: float = 2.0, timeout: float = 2.0
    ) -> None:
        self._url = url
        self._client = client
        self.interval = interval
        self._timeout = timeout
        self._revoked: dict[str, int] = {}
        self._fetched_at: float | None = None

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

    def is_revoked(self, subject: str, issued_at: int) -> bool:
        # Whole seconds on both sides, so a token issued in the very second of
        # the revocation is refused too: better one needless re-login than a
        # token that outlives its account.
        revoked_at = self._revoked.get(subject)
        return revoked_at is not None and issued_at <= revoked_at

    async def refresh(self) -> bool:
        """Fetch the list once; on failure keep the last one. True when fetched."""
        try:
            response = await self._client.get(self._url, timeout=self._timeout)
            response.raise_for_status()
            revoked = parse_revocations(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("revocation list fetch from %s failed: %s", self._url, exc)
            return False
        self._revoked = revoked
        self._fetched_at = time.monotonic()
        return True

    async def poll_forever(self) -> None:
        """Run as a background task for the life of the service; cancel it to stop."""
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval)
