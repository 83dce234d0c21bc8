"""Password hashing, access- and ID-token signing and refresh-token material.

The only module that imports passlib and jose.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio
from jose import jwk, jwt
from passlib.context import CryptContext

from auth_service.errors import ServerBusy
from auth_service.metrics import PASSWORD_HASHES_RUNNING, PASSWORD_HASHES_WAITING
from auth_service.oauth.keys import SigningKey

ALGORITHM = "RS256"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    memory_cost_kib: int
    time_cost: int
    parallelism: int


# The hashing threads run only on CPU time nothing else on the machine wants
# (Linux's SCHED_IDLE): a login may wait a little longer, but a burst of
# logins must not slow every other request (bench/README.md measures reads
# during a login burst). Niceness 10 alone still left the hashes ~40% of a
# 2-core machine, reads falling to 0.6x their rate; idle-only, 0.85x. On a
# machine saturated by other work hashes slow down, and those waiting for a
# slot are refused after max_wait (503, Retry-After): logins give way first.
# Niceness stays for systems without SCHED_IDLE. Either counts only against
# threads of the same scheduling group (deploy/run_local.py: one session).
HASHING_NICENESS = 10
_thread_state = threading.local()


def _lower_priority() -> None:
    thread = threading.get_native_id()
    # Each Linux-only, per thread; elsewhere the hash runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, thread, HASHING_NICENESS)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))


def _at_low_priority(function: Callable[..., T], *args: Any) -> T:
    if not getattr(_thread_state, "lowered", False):
        _thread_state.lowered = True
        _lower_priority()
    return function(*args)


class PasswordHasher:
    """argon2id through passlib, computed in worker threads at a lower priority.

    A hash takes tens of milliseconds of CPU and `memory_cost` KiB of memory; in
    the event loop it would stall every other request, and unbounded in
    threads a burst of logins would take them all. The limiter runs
    `concurrency` at once; up to `queue_size` more wait for it, at most
    `max_wait` seconds each, and beyond that a hash is refused (ServerBusy:
    503 with Retry-After) rather than queued behind work that would outlast
    the client's patience (the gateway gives up after its own timeout).
    """

    def __init__(
        self,
        parameters: Argon2Parameters,
        *,
        concurrency: int,
        queue_size: int = 64,
        max_wait: float = 5.0,
    ) -> None:
        self.parameters = parameters
        self._context = CryptContext(
            schemes=["argon2"],
            argon2__type="ID",
            argon2__memory_cost=parameters.memory_cost_kib,
            argon2__rounds=parameters.time_cost,
            argon2__parallelism=parameters.parallelism,
        )
        self._limiter = anyio.CapacityLimiter(concurrency)
        # Threads of their own, as many as may hash at once. In anyio's shared
        # pool (up to 40 threads) a burst of logins spread the hashes over
        # many threads, each keeping its own glibc arena with a hash's memory
        # in it: auth-service held ~540 MiB after a login burst. With
        # `concurrency` threads at most that many arenas hold one each
        # (bench/README.md). Returning the memory after each hash instead
        # (mallopt's mmap threshold) cost 40% more CPU per hash in page faults.
        self._threads = ThreadPoolExecutor(concurrency, thread_name_prefix="password-hash")
        self._capacity = concurrency + queue_size
        self._max_wait = max_wait
        self._admitted = 0
        self._dummy_hash: str | None = None
        _measure_queue(self._limiter)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        if self._admitted >= self._capacity:
            raise ServerBusy
        self._admitted += 1
        try:
            # Only the wait for a slot is timed: a hash, once started, finishes.
            acquired = False
            with anyio.move_on_after(self._max_wait):
                await self._limiter.acquire()
                acquired = True
            if not acquired:
                raise ServerBusy
            try:
                running = asyncio.get_running_loop().run_in_executor(
                    self._threads, partial(_at_low_priority, function, *args)
                )
                # As with anyio's threads: a cancelled caller still waits for
                # its hash, so no more than `concurrency` ever run.
                with anyio.CancelScope(shield=True):
                    result = await running
            finally:
                self._limiter.release()
            return result
        finally:
            self._admitted -= 1

    async def hash(self, password: str) -> str:
        return await self._run(self._context.hash, password)

    async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        """(matches, replacement hash when the stored one uses older parameters).

        With `hashed=None` (no such user) a dummy hash is verified, so an
        unknown email costs the same time as a wrong password.
        """
        if hashed is None:
            await self._run(self._context.verify, password, await self._dummy())
            return False, None
        matches, replacement = await self._run(self._context.verify_and_update, password, hashed)
        return bool(matches), replacement

    async def prepare(self) -> None:
        """Make the dummy hash now, so the first unknown email costs no extra hash."""
        await self._dummy()

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


def _measure_queue(limiter: anyio.CapacityLimiter) -> None:
    """The gauges read the service's hasher (the last one built) at each scrape."""
    reference = weakref.ref(limiter)

    def waiting() -> float:
        current = reference()
        return 0 if current is None else current.statistics().tasks_waiting

    def running() -> float:
        current = reference()
        return 0 if current is None else current.borrowed_tokens

    PASSWORD_HASHES_WAITING.set_function(waiting)
    PASSWORD_HASHES_RUNNING.set_function(running)


class AccessTokenSigner:
    """Signs RS256 access tokens, and OpenID Connect ID tokens, with the
    active key; verifiers find it by `kid`."""

    def __init__(self, key: SigningKey, *, issuer: str, lifetime_seconds: int) -> None:
        if key.private_pem is None:
            raise ValueError(f"key {key.kid} has no private half")
        self._kid = key.kid
        # Parsed once: jose would otherwise parse the PEM for every token.
        self._private_key = jwk.construct(key.private_pem, ALGORITHM)
        self.issuer = issuer
        self.lifetime_seconds = lifetime_seconds

    def sign(
        self,
        *,
        subject: str,
        audience: str,
        scope: str,
        version: int | None = None,
        session_id: uuid.UUID | None = None,
        client_id: str | None = None,
        amr: Sequence[str] | None = None,
    ) -> str:
        """`version`: the user's token version (claim `ver`); `session_id`: the
        login's refresh-token family (claim `sid`). None for service tokens.
        `client_id`: the client the token is issued to (RFC 9068 §2.2), which
        can have its tokens revoked (auth_service.oauth.client_revocations).
        `amr`: how the person signed in (RFC 8176: `pwd`, `otp`, `mfa`)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": subject,
            "iat": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
            "scope": scope,
        }
        if version is not None:
            claims["ver"] = version
        if session_id is not None:
            claims["sid"] = str(session_id)
        if client_id is not None:
            claims["client_id"] = client_id
        if amr is not None:
            claims["amr"] = list(amr)
        token = jwt.encode(
            claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self._kid}
        )
        return str(token)

    def sign_id_token(self, claims: Mapping[str, Any], *, access_token: str) -> str:
        """An OpenID Connect ID token (Core §2): `claims` (sub, aud, auth_time...)
        with this issuer's `iss`, `iat` and `exp`, and `at_hash` of the access
        token it comes with (§3.1.3.6, computed by jose). It has no `jti` and no
        `scope`: every verifier of access tokens requires a `jti`
        (platform_common.tokens), so an ID token never passes for one, even for
        an app whose id is an access token audience."""
        now = int(time.time())
        signed = {**claims, "iss": self.issuer, "iat": now, "exp": now + self.lifetime_seconds}
        token = jwt.encode(
            signed,
            self._private_key,
            algorithm=ALGORITHM,
            headers={"kid": self._kid},
            access_token=access_token,
        )
        return str(token)


def verified_token_claims(token: str) -> dict[str, Any]:
    """The claims of a token whose signature a verifier has already checked
    (platform_common.tokens): only for reading what AccessClaims leaves out."""
    claims: dict[str, Any] = jwt.get_unverified_claims(token)
    return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    # surrogatepass: any string a client sends hashes, and matches nothing.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# Reset and verification tokens: as random, stored the same way (SHA-256 only).
new_account_token = new_refresh_token
account_token_hash = refresh_token_hash


def secrets_equal(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())
