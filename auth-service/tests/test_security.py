import asyncio
import os
import threading
import time
from collections.abc import Callable

import pytest

from auth_service.config import Settings
from auth_service.errors import ServerBusy
from auth_service.security import (
    HASHING_NICENESS,
    Argon2Parameters,
    PasswordHasher,
    new_refresh_token,
    refresh_token_hash,
)

# OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1 at least.
OWASP = Argon2Parameters(memory_cost_kib=19456, time_cost=2, parallelism=1)
CHEAP = Argon2Parameters(memory_cost_kib=64, time_cost=1, parallelism=1)


def production_hasher() -> PasswordHasher:
    """The declared defaults, whatever the environment of the test run says."""
    fields = Settings.model_fields
    return PasswordHasher(
        Argon2Parameters(
            memory_cost_kib=fields["argon2_memory_cost_kib"].default,
            time_cost=fields["argon2_time_cost"].default,
            parallelism=fields["argon2_parallelism"].default,
        ),
        concurrency=fields["password_hashing_concurrency"].default,
    )


class TestPasswordHasher:
    async def test_production_defaults_meet_owasp(self) -> None:
        hasher = production_hasher()
        assert hasher.parameters.memory_cost_kib >= OWASP.memory_cost_kib
        assert hasher.parameters.time_cost >= OWASP.time_cost
        assert hasher.parameters.parallelism >= OWASP.parallelism
        hashed = await hasher.hash("a password")
        assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert await hasher.verify("a password", hashed) == (True, None)
        assert (await hasher.verify("another one", hashed))[0] is False

    async def test_weaker_hash_upgraded_on_verify(self) -> None:
        old = await PasswordHasher(CHEAP, concurrency=1).hash("a password")
        matches, replacement = await production_hasher().verify("a password", old)
        assert matches
        assert replacement is not None
        assert replacement.startswith("$argon2id$v=19$m=19456,t=2,p=1$")

    async def test_wrong_password_gives_no_replacement(self) -> None:
        old = await PasswordHasher(CHEAP, concurrency=1).hash("a password")
        assert await production_hasher().verify("wrong", old) == (False, None)

    async def test_unknown_user_verifies_a_dummy_hash(self) -> None:
        hasher = PasswordHasher(CHEAP, concurrency=1)
        assert await hasher.verify("anything", None) == (False, None)

    async def test_hashing_leaves_the_event_loop_free(self) -> None:
        hasher = production_hasher()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        task = asyncio.create_task(ticker())
        started = time.perf_counter()
        await asyncio.gather(*(hasher.hash("a password") for _ in range(4)))
        elapsed = time.perf_counter() - started
        task.cancel()
        # Had the hashes run on the loop, the ticker would not have run at all.
        assert ticks > elapsed * 1000 / 10

    async def test_concurrency_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        hasher = PasswordHasher(CHEAP, concurrency=2)
        running = 0
        peak = 0
        lock = threading.Lock()
        original = hasher._context.hash

        def slow_hash(secret: str) -> str:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1
            hashed: str = original(secret)
            return hashed

        monkeypatch.setattr(hasher._context, "hash", slow_hash)
        await asyncio.gather(*(hasher.hash("pw") for _ in range(6)))
        assert peak == 2

    @staticmethod
    async def _in_hashing_thread(
        monkeypatch: pytest.MonkeyPatch, probe: Callable[[int], int]
    ) -> int:
        """`probe(thread id)` as seen by the thread a hash runs in."""
        hasher = PasswordHasher(CHEAP, concurrency=1)
        seen: list[int] = []
        original = hasher._context.hash

        def observing_hash(secret: str) -> str:
            seen.append(probe(threading.get_native_id()))
            hashed: str = original(secret)
            return hashed

        monkeypatch.setattr(hasher._context, "hash", observing_hash)
        await hasher.hash("pw")
        return seen[0]

    @pytest.mark.skipif(not hasattr(os, "setpriority"), reason="per-thread nice is Linux's")
    async def test_hashes_run_at_lower_priority(self, monkeypatch: pytest.MonkeyPatch) -> None:
        niceness = await self._in_hashing_thread(
            monkeypatch, lambda thread: os.getpriority(os.PRIO_PROCESS, thread)
        )
        assert niceness >= os.getpriority(os.PRIO_PROCESS, 0) + HASHING_NICENESS

    @pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
    async def test_hashes_run_only_on_idle_cpu_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert await self._in_hashing_thread(monkeypatch, os.sched_getscheduler) == os.SCHED_IDLE
        # The event loop's thread keeps the normal policy.
        assert os.sched_getscheduler(threading.get_native_id()) == os.SCHED_OTHER

    async def test_a_hash_that_would_wait_too_long_is_refused(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Waiting for a slot is bounded too (max_wait): the caller gets 503 +
        Retry-After from auth-service, not a 504 from a gateway that gave up."""
        hasher = PasswordHasher(CHEAP, concurrency=1, queue_size=4, max_wait=0.05)
        release = threading.Event()
        original = hasher._context.hash

        def blocked_hash(secret: str) -> str:
            release.wait(timeout=30)  # a guard against a hang
            hashed: str = original(secret)
            return hashed

        monkeypatch.setattr(hasher._context, "hash", blocked_hash)
        first = asyncio.create_task(hasher.hash("pw"))
        await asyncio.sleep(0)  # the first one takes the only slot
        with pytest.raises(ServerBusy):
            await hasher.hash("pw")
        release.set()
        assert (await first).startswith("$argon2id$")
        assert (await hasher.hash("pw")).startswith("$argon2id$")  # the slot came back


class TestRefreshTokens:
    def test_random_and_hashed(self) -> None:
        tokens = {new_refresh_token() for _ in range(100)}
        assert len(tokens) == 100
        assert all(len(token) >= 43 for token in tokens)
        token = next(iter(tokens))
        assert refresh_token_hash(token) == refresh_token_hash(token)
        assert len(refresh_token_hash(token)) == 64
