"""auth-service's own client-credentials tokens, for the calls it makes itself."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from auth_service.security import AccessTokenSigner
from platform_common.service_token import renewal_time


class ServiceTokenCache:
    """Signs a token with the active key (no HTTP round trip to itself) and
    reuses it until its renewal time (platform_common.service_token)."""

    def __init__(
        self,
        signer: AccessTokenSigner,
        *,
        subject: str,
        audience: str,
        scope: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sign = functools.partial(signer.sign, subject=subject, audience=audience, scope=scope)
        self._lifetime = signer.lifetime_seconds
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0

    def token(self) -> str:
        now = self._clock()
        if self._token is None or now >= self._renew_at:
            self._token = self._sign()
            self._renew_at = renewal_time(now, self._lifetime)
        return self._token
