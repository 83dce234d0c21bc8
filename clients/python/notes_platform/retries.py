"""Retries on 429 and 503, for idempotent requests and keyed creates only.

httpx-retries does the work (sync and async, one transport); this module says
which requests may be sent again and how long to wait:

- a request is retried when its method is idempotent (GET, HEAD, PUT,
  DELETE, OPTIONS) or it carries an `Idempotency-Key` (a create whose key
  makes a second POST replay the first answer instead of creating twice);
  never a PATCH or an unkeyed POST;
- the wait is the answer's `Retry-After`, else the `t` (seconds to reset) of
  its `RateLimit` header when nothing is left (`r=0`), else exponential
  backoff; never longer than `max_wait` (then the error is raised instead of
  waiting: a caller should not hang for an hour on a quota).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import http_sf
import httpx
from httpx_retries import Retry, RetryTransport

RETRIED_STATUSES = (429, 503)
IDEMPOTENT_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
IDEMPOTENCY_KEY = "Idempotency-Key"


def rate_limit_reset(headers: Mapping[str, str]) -> float | None:
    """Seconds until the quota renews, from an exhausted `RateLimit` header
    (draft-ietf-httpapi-ratelimit-headers: `"consumer";r=0;t=12`)."""
    field = headers.get("RateLimit")
    if not field:
        return None
    try:
        members: Any = http_sf.parse(field.encode(), tltype="list")
    except http_sf.StructuredFieldError:
        return None
    waits = [
        float(params["t"])
        for _, params in members
        if params.get("r") == 0 and isinstance(params.get("t"), int)
    ]
    return max(waits) if waits else None


class PlatformRetry(Retry):
    """httpx-retries' policy, waiting as the platform's headers say."""

    def __init__(self, *, total: int = 4, max_wait: float = 60.0, **kwargs: Any) -> None:
        kwargs.setdefault("allowed_methods", IDEMPOTENT_METHODS)
        kwargs.setdefault("status_forcelist", RETRIED_STATUSES)
        kwargs.setdefault("backoff_factor", 0.5)
        kwargs.setdefault("max_backoff_wait", max_wait)
        super().__init__(total=total, **kwargs)

    def wait(self, answer: httpx.Response | Exception) -> float:
        """Seconds to wait before sending again after `answer`."""
        if isinstance(answer, httpx.Response):
            retry_after = answer.headers.get("Retry-After", "").strip()
            if retry_after:
                try:
                    return min(self.parse_retry_after(retry_after), self.max_backoff_wait)
                except ValueError:
                    pass
            reset = rate_limit_reset(answer.headers)
            if reset is not None:
                return min(reset, self.max_backoff_wait)
        return self.backoff_strategy()

    def sleep(self, response: httpx.Response | Exception) -> None:
        seconds = self.wait(response)
        time.sleep(seconds)
        self.elapsed_sleep += seconds

    async def asleep(self, response: httpx.Response | Exception) -> None:
        seconds = self.wait(response)
        await asyncio.sleep(seconds)
        self.elapsed_sleep += seconds


class PlatformRetryTransport(RetryTransport):
    """Retries idempotent requests; a keyed POST as well, with the same key."""

    def __init__(self, retry: PlatformRetry, **kwargs: Any) -> None:
        super().__init__(retry=retry, **kwargs)
        self._keyed = retry.copy_with(allowed_methods=[*IDEMPOTENT_METHODS, "POST"])

    def _policy(self, request: httpx.Request) -> None:
        if request.method == "POST" and IDEMPOTENCY_KEY in request.headers:
            request.extensions.setdefault("retry", self._keyed)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._policy(request)
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._policy(request)
        return await super().handle_async_request(request)
