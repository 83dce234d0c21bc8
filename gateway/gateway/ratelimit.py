"""Throttling of failed password logins, per account and per client address.

Only failures are counted, so a user who types the password right is never
slowed down by their own successful logins; once an account or an address has
too many recent failures, further attempts get 429 before reaching
auth-service (and its deliberately slow password hashing).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from urllib.parse import parse_qs

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

logger = logging.getLogger(__name__)

# A login form is a few hundred bytes; anything much larger is not one.
MAX_LOGIN_FORM_BYTES = 16 * 1024


def password_grant_username(form: bytes) -> str | None:
    """The account a form-encoded password grant names, normalised; None otherwise."""
    try:
        fields = parse_qs(form.decode("utf-8"), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    if fields.get("grant_type") != ["password"]:
        return None
    usernames = fields.get("username", [])
    if len(usernames) != 1 or not usernames[0].strip():
        return None
    return usernames[0].strip().lower()


def _account_key(username: str) -> str:
    # Shared storage should not hold people's e-mail addresses in clear.
    return hashlib.sha256(username.encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, *, per_account: str, per_address: str, redis_url: str | None = None) -> None:
        self._per_account: RateLimitItem = parse(per_account)
        self._per_address: RateLimitItem = parse(per_address)
        self._pool: ConnectionPool | None = None
        storage: Storage
        if redis_url:
            self._pool = ConnectionPool.from_url(
                redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
            storage = RedisStorage(
                redis_url,
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="gateway-login",
                # Handed on to redis-py; the stub types only the scalar options.
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    def _limits(self, account: str | None, address: str | None) -> list[tuple[RateLimitItem, str]]:
        checks = []
        if account:
            checks.append((self._per_account, "account:" + _account_key(account)))
        if address:
            checks.append((self._per_address, "address:" + address))
        return checks

    async def retry_after(self, *, account: str | None, address: str | None) -> int | None:
        """Seconds to wait if a limit is used up, None if the attempt may go ahead."""
        wait = 0.0
        try:
            for item, key in self._limits(account, address):
                if not await self._limiter.test(item, key):
                    stats = await self._limiter.get_window_stats(item, key)
                    wait = max(wait, stats.reset_time - time.time(), 1.0)
        except StorageError as exc:
            # Failing open: a shared-counter outage should not lock every user out.
            logger.warning("login throttle storage unavailable: %s", exc)
            return None
        return math.ceil(wait) if wait else None

    async def record_failure(self, *, account: str | None, address: str | None) -> None:
        try:
            for item, key in self._limits(account, address):
                await self._limiter.hit(item, key)
        except StorageError as exc:
            logger.warning("login throttle storage unavailable: %s", exc)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
