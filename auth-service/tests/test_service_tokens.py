from pathlib import Path
from typing import Any

from auth_service.oauth.keys import load_key_ring
from auth_service.oauth.service_tokens import ServiceTokenCache
from auth_service.security import AccessTokenSigner
from platform_common.testing.clock import ManualClock


def make_cache(
    keys_dir: Path, lifetime: int, clock: ManualClock
) -> tuple[ServiceTokenCache, list[str]]:
    signer = AccessTokenSigner(
        load_key_ring(keys_dir, None).active, issuer="iss", lifetime_seconds=lifetime
    )
    signed: list[str] = []
    sign = signer.sign

    def counting_sign(*, subject: str, **claims: Any) -> str:
        signed.append(subject)
        return sign(subject=subject, **claims)

    signer.sign = counting_sign  # type: ignore[method-assign]
    cache = ServiceTokenCache(
        signer, subject="svc", audience="notes-service", scope="notes:purge", clock=clock
    )
    return cache, signed


class TestServiceTokenCache:
    def test_reused_until_shortly_before_expiry(self, keys_dir: Path) -> None:
        clock = ManualClock()
        cache, signed = make_cache(keys_dir, 900, clock)
        first = cache.token()
        clock.now += 900 - 60 - 1  # a minute before expiry: still reused
        assert cache.token() == first
        clock.now += 1
        second = cache.token()
        assert second != first
        assert signed == ["svc", "svc"]

    def test_short_lifetimes_renew_at_three_quarters(self, keys_dir: Path) -> None:
        clock = ManualClock()
        cache, signed = make_cache(keys_dir, 40, clock)
        cache.token()
        clock.now += 29
        cache.token()
        clock.now += 1
        cache.token()
        assert len(signed) == 2
