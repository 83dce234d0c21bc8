import asyncio

from platform_common.background import background_task


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
