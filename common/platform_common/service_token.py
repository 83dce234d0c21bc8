"""A service's own access token, from auth-service's client-credentials grant.

Contract: `POST /auth/token` (form: `grant_type=client_credentials`,
`client_id`, `client_secret`, `scope`) → 200 `{access_token, token_type,
expires_in}` (auth-service/openapi.json).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

GRANT_PATH = "/auth/token"


def renewal_time(issued_at: float, lifetime: float) -> float:
    """When to replace a token issued at `issued_at`: ahead of its expiry by a
    quarter of its lifetime, at most a minute, longer than any call it is
    sent with, so that it never expires in flight."""
    return issued_at + lifetime - min(60.0, lifetime / 4)


class TokenError(Exception):
    """No token: auth-service unreachable, too slow, or refusing the client."""


class ServiceToken:
    """Fetches a token when none is held or the one held is near its expiry.

    A new one is fetched ahead of expiry (`renewal_time`). Concurrent callers
    share one fetch.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: SecretStr,
        scope: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret.get_secret_value(),
            "scope": scope,
        }
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                await self._fetch()
            assert self._token is not None  # _fetch sets it or raises
            return self._token

    def forget(self) -> None:
        """Drop the token held (refused by its audience: revoked, or its key retired)."""
        self._token = None

    async def _fetch(self) -> None:
        started = self._clock()
        try:
            response = await self._http.post(GRANT_PATH, data=self._form)
        except httpx.TimeoutException as exc:
            raise TokenError(f"auth-service timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise TokenError(f"auth-service unreachable: {exc!r}") from exc
        if response.status_code != httpx.codes.OK:
            # The OAuth error names the problem; the body never holds the secret.
            raise TokenError(f"auth-service answered {response.status_code}: {response.text[:200]}")
        try:
            body = response.json()
            token, lifetime = body["access_token"], body["expires_in"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenError(f"auth-service answered an unexpected body: {exc!r}") from exc
        if not isinstance(token, str) or not isinstance(lifetime, int) or lifetime <= 0:
            raise TokenError("auth-service answered an unexpected token or lifetime")
        self._token = token
        self._renew_at = renewal_time(started, lifetime)
