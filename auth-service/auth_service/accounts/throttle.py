"""Failed-login throttling, in Postgres so that every replica shares it.

Each password-grant attempt is counted before the password is checked, in a
short transaction of its own that commits before the hash starts: an
attempt in flight counts, and since each counter is one row incremented by
an atomic upsert, N concurrent attempts let at most the limit through to
the hash. Three counters, each a fixed window (README, "Login throttling"):

- per (account, address): the limit that stops guessing one password;
- per address: one address trying many accounts;
- per account, for addresses that never logged into it: many addresses
  trying one account.

An address that has logged into the account before ("known") is held only
to the first: strangers' failures, however many and from wherever, never
lock the owner out of a device they have used. A successful login makes the
address known and gives back the attempt it counted.

The counters take an address as its client key (platform_common.address_keys:
an IPv6 address by its /64, an IPv4-mapped one as IPv4), so one /64 is one
client; a known address is the exact address the owner logged in from.
"""

from __future__ import annotations

import functools
import hashlib
import math
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.errors import LoginThrottled
from auth_service.metrics import LOGIN_THROTTLED
from auth_service.models import KnownLoginAddress, LoginAttemptCounter, User
from platform_common.address_keys import address_key
from platform_common.background import in_sessions_every

PURGE_EVERY_SECONDS = 600.0

# An address is stored as the ASGI server reports it; longer is not an address.
MAX_ADDRESS_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Limit:
    attempts: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account_address: Limit
    per_address: Limit
    per_account: Limit
    known_address_ttl: timedelta

    @property
    def longest_window(self) -> timedelta:
        return max(
            self.per_account_address.window, self.per_address.window, self.per_account.window
        )


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    account: str  # auth_service.accounts.emails.login_name of the username
    address: str  # the client's address (request.client.host); counted by its key (_key)

    def counters(self, limits: LoginLimits, *, known: bool) -> list[tuple[str, str, Limit]]:
        """(scope, key, limit) in one fixed order, so that two transactions
        never lock the same rows in opposite orders."""
        counters = [("pair", _key(self.account, self.address), limits.per_account_address)]
        if not known:
            counters.append(("address", _key(self.address), limits.per_address))
            counters.append(("account", _key(self.account), limits.per_account))
        return counters


def _key(*parts: str) -> str:
    # A part that is an IP address counts as its client (an IPv6 one by its
    # /64: platform_common.address_keys); callers pass the address as they
    # have it. Emails, user ids and scope names never parse as addresses (a
    # login name that does belongs to no account: sharing a counter is moot).
    keyed = (address_key(part) for part in parts)
    return hashlib.sha256("\0".join(keyed).encode("utf-8", "surrogatepass")).hexdigest()


def client_address(host: str | None) -> str:
    return (host or "unknown")[:MAX_ADDRESS_LENGTH]


async def count_attempt(
    session: AsyncSession, *, attempt: LoginAttempt, limits: LoginLimits
) -> bool:
    """Count the attempt and commit; LoginThrottled if it is over a limit.
    Whether the address is known to the account (record_success needs it)."""
    known = await _is_known(session, attempt=attempt, limits=limits)
    waits: list[float] = []
    crossed = False
    for scope, key, limit in attempt.counters(limits, known=known):
        attempts, remaining = await _increment(session, scope=scope, key=key, window=limit.window)
        if attempts > limit.attempts:
            waits.append(remaining.total_seconds())
            LOGIN_THROTTLED.labels(scope).inc()
            crossed = crossed or attempts == limit.attempts + 1
    await session.commit()
    if waits:
        raise LoginThrottled(retry_after=max(1, math.ceil(max(waits))), first=crossed)
    return known


async def count_requests(
    session: AsyncSession,
    *,
    counters: Sequence[tuple[str, str, Limit]],
    exempt: Collection[str] = (),
) -> int | None:
    """Count one request on each (scope, key, limit) and commit: the same fixed
    windows as the login counters (password reset requests use them). The
    seconds to wait when a limit is exceeded, else None. The scopes in
    `exempt` are counted all the same (the same statements run either way)
    but refuse nothing."""
    waits: list[float] = []
    for scope, key, limit in counters:
        attempts, remaining = await _increment(session, scope=scope, key=key, window=limit.window)
        if attempts > limit.attempts and scope not in exempt:
            waits.append(remaining.total_seconds())
    await session.commit()
    return max(1, math.ceil(max(waits))) if waits else None


def counter_key(*parts: str) -> str:
    """What a counter is stored under: a hash, so no address or email is kept.
    A client address among `parts` is keyed as in `_key` (an IPv6 one by its /64)."""
    return _key(*parts)


async def record_success(
    session: AsyncSession,
    *,
    attempt: LoginAttempt,
    known: bool,
    user_id: uuid.UUID,
    limits: LoginLimits,
) -> None:
    """In the login's transaction: the address is known from now on, and the
    attempt no longer counts as a failure on the counters it was counted on."""
    statement = insert(KnownLoginAddress).values(
        user_id=user_id, address=attempt.address, last_login_at=func.now()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[KnownLoginAddress.user_id, KnownLoginAddress.address],
            set_={"last_login_at": statement.excluded.last_login_at},
        )
    )
    for scope, key, _limit in attempt.counters(limits, known=known):
        await give_back(session, scope=scope, key=key)


async def give_back(session: AsyncSession, *, scope: str, key: str) -> None:
    """A counted attempt that succeeded no longer counts (the caller commits)."""
    await session.execute(
        update(LoginAttemptCounter)
        .where(LoginAttemptCounter.scope == scope, LoginAttemptCounter.key == key)
        .values(attempts=func.greatest(LoginAttemptCounter.attempts - 1, 0))
    )


async def purge(
    session: AsyncSession, *, limits: LoginLimits, other_windows: Sequence[timedelta] = ()
) -> None:
    """Drop counters whose window has passed and addresses long unused.
    `other_windows`: those of the other counters kept in the table."""
    longest = max([limits.longest_window, *other_windows])
    await session.execute(
        delete(LoginAttemptCounter).where(
            LoginAttemptCounter.window_started_at < func.now() - longest
        )
    )
    await session.execute(
        delete(KnownLoginAddress).where(
            KnownLoginAddress.last_login_at < func.now() - limits.known_address_ttl
        )
    )
    await session.commit()


async def purge_login_throttle_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    limits: LoginLimits,
    other_windows: Sequence[timedelta] = (),
) -> None:
    """The lifespan's background task; cancel it to stop. With Postgres
    down, the next round will do: the rows only take space."""
    job = functools.partial(purge, limits=limits, other_windows=other_windows)
    await in_sessions_every(PURGE_EVERY_SECONDS, sessionmaker, job, what="login throttle purge")


async def _is_known(session: AsyncSession, *, attempt: LoginAttempt, limits: LoginLimits) -> bool:
    return await is_known_address(session, attempt=attempt, ttl=limits.known_address_ttl)


async def is_known_address(session: AsyncSession, *, attempt: LoginAttempt, ttl: timedelta) -> bool:
    """Whether the address logged into the account within `ttl`: the same
    statement whether or not the account exists."""
    found = await session.scalar(
        select(KnownLoginAddress.user_id)
        .join(User, User.id == KnownLoginAddress.user_id)
        .where(
            User.email == attempt.account,
            KnownLoginAddress.address == attempt.address,
            KnownLoginAddress.last_login_at > func.now() - ttl,
        )
    )
    return found is not None


async def _increment(
    session: AsyncSession, *, scope: str, key: str, window: timedelta
) -> tuple[int, timedelta]:
    """One atomic upsert: the count in the current window (a new window once
    the old one has passed) and the time left in it."""
    counter = LoginAttemptCounter.__table__.c
    expired = counter.window_started_at <= func.now() - window
    statement = (
        insert(LoginAttemptCounter)
        .values(scope=scope, key=key, window_started_at=func.now(), attempts=1)
        .on_conflict_do_update(
            index_elements=[counter.scope, counter.key],
            set_={
                "attempts": case((expired, 1), else_=counter.attempts + 1),
                "window_started_at": case((expired, func.now()), else_=counter.window_started_at),
            },
        )
        .returning(counter.attempts, counter.window_started_at + window - func.now())
    )
    attempts, remaining = (await session.execute(statement)).one()
    return int(attempts), remaining
