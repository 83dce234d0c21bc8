"""One attempt of one delivery: the URL checked again (webhooks_service.addresses),
a POST to the checked address only (webhooks_service.pinning), and what came of it.

15 s for all of it (resolution included); redirects are not followed (a 3xx is a
failure); at most 64 KiB of the answer is read, the rest left unread.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from webhooks_service.addresses import AddressPolicy, UnsafeUrl
from webhooks_service.pinning import PinnedTransport, pinned

MAX_ANSWER_BYTES = 64 * 1024
EXCERPT_CHARS = 1024
MAX_ERROR_CHARS = 500
Result = Literal[
    "delivered", "gone", "redirect", "http_error", "timeout", "connection_error", "refused_address"
]


@dataclass(frozen=True)
class Outcome:
    result: Result
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    # Seconds the receiver asked to wait (Retry-After), if it did.
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.result == "delivered"


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _classify(status: int) -> Result:
    if 200 <= status < 300:
        return "delivered"
    if status == 410:
        return "gone"
    if 300 <= status < 400:
        return "redirect"
    return "http_error"


async def _read_bounded(response: httpx.Response) -> bytes:
    """At most MAX_ANSWER_BYTES of the body; the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk[: MAX_ANSWER_BYTES - size])
        size += len(chunks[-1])
        if size >= MAX_ANSWER_BYTES:
            break
    return b"".join(chunks)


class Sender:
    def __init__(
        self,
        addresses: AddressPolicy,
        *,
        timeout: float,
        max_connections: int = 100,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.addresses = addresses
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            transport=transport or PinnedTransport(max_connections=max_connections),
            follow_redirects=False,
            trust_env=False,
            timeout=timeout,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def send(self, url: str, *, headers: dict[str, str], body: bytes) -> Outcome:
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            async with asyncio.timeout(self.timeout):
                target = await self.addresses.resolve(url)
                with pinned(target):
                    async with self.client.stream(
                        "POST", target.url, headers=headers, content=body
                    ) as response:
                        answer = await _read_bounded(response)
        except UnsafeUrl as exc:
            return Outcome("refused_address", took(), error=exc.message[:MAX_ERROR_CHARS])
        except (TimeoutError, httpx.TimeoutException):
            return Outcome("timeout", took(), error=f"no answer within {self.timeout:g} s")
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            return Outcome("connection_error", took(), error=error)
        result = _classify(response.status_code)
        return Outcome(
            result,
            took(),
            status_code=response.status_code,
            error=None if result == "delivered" else f"answered {response.status_code}",
            excerpt=answer.decode("utf-8", "replace")[:EXCERPT_CHARS] or None,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
