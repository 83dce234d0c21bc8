import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from platform_common.background import background_task, every, in_sessions_every


async def test_runs_during_the_block_and_is_cancelled_after() -> None:
    ticks = 0
    stopped = asyncio.Event()

    async def poll() -> None:
        nonlocal ticks
        try:
            while True:
                ticks += 1
                await asyncio.sleep(0.01)
        finally:
            stopped.set()

    async with background_task(poll(), name="poller"):
        await asyncio.sleep(0.05)
    assert ticks >= 2
    assert stopped.is_set()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "poller"]


async def test_none_starts_nothing() -> None:
    before = asyncio.all_tasks()
    async with background_task(None, name="nothing"):
        assert asyncio.all_tasks() == before


async def run_until(loop: Coroutine[Any, Any, None], done: asyncio.Event) -> None:
    """Run a forever loop until `done` is set (a second at most), then cancel it."""
    async with background_task(loop, name="every"):
        await asyncio.wait_for(done.wait(), timeout=1.0)


async def test_every_retries_after_a_retried_error_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []
    done = asyncio.Event()

    async def job() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 3:
            done.set()
        if len(rounds) == 1:
            raise OSError("database down")

    await run_until(every(0.001, job, what="the job", retried=(OSError,)), done)
    assert [r.getMessage() for r in caplog.records] == ["the job failed; retrying later"]


async def test_every_ends_on_an_error_it_does_not_retry() -> None:
    async def job() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await every(0.001, job, what="the job", retried=(OSError,))


async def test_in_sessions_every_gives_each_round_a_session_of_its_own() -> None:
    sessions: list[object] = []
    done = asyncio.Event()

    @contextlib.asynccontextmanager
    async def sessionmaker() -> AsyncIterator[object]:
        yield object()

    async def job(session: object) -> None:
        sessions.append(session)
        if len(sessions) == 2:
            done.set()

    loop = in_sessions_every(0.001, sessionmaker, job, what="the job")  # type: ignore[arg-type]
    await run_until(loop, done)
    assert sessions[0] is not sessions[1]
