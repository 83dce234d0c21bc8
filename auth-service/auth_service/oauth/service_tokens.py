"""auth-service's own client-credentials tokens, for the calls it makes itself."""

from __future__ import annotations

import time
from collections.abc import Callable

from auth_service.security import AccessTokenSigner


class ServiceTokenCache:
    """Signs a token with the active key (no HTTP round trip to itself) and reuses it.

    A new one is signed once the current one is within `renew_before` of its
    expiry, so a token never expires in flight: the margin is a quarter of
    the lifetime, at most a minute, longer than any call it is sent with.
    """

    def __init__(
        self,
        signer: AccessTokenSigner,
        *,
        subject: str,
        audience: str,
        scope: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._signer = signer
        self._subject = subject
        self._audience = audience
        self._scope = scope
        self._clock = clock
        self._renew_before = min(60.0, signer.lifetime_seconds / 4)
        self._token: str | None = None
        self._renew_at = 0.0

    def token(self) -> str:
        now = self._clock()
        if self._token is None or now >= self._renew_at:
            self._token = self._signer.sign(
                subject=self._subject, audience=self._audience, scope=self._scope
            )
            self._renew_at = now + self._signer.lifetime_seconds - self._renew_before
        return self._token
