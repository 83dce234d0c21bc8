"""The search bulkhead: a flood of searches leaves reads a connection, and a search
that finds no slot in time is refused with 503 and Retry-After."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from pydantic import ValidationError

from notes_service import listing
from notes_service.bulkhead import SEARCHES_REFUSED, SEARCHES_WAITING, Bulkhead
from notes_service.config import Settings
from notes_service.listing import ListQuery, Page
from notes_service.main import create_app
from notes_service.repository import Database
from platform_common.testing.issuer import User

AppFactory = Callable[..., AsyncIterator[FastAPI]]


class HeldSearches:
    """Searches that hold a pooled connection until `release` is set, as a long one does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.running = 0
        self.release = asyncio.Event()
        original = listing.list_notes

        async def held(db: Database, query: ListQuery) -> Page:
            if query.q is None:
                return await original(db, query)
            async with db.connection():
                self.running += 1
                await self.release.wait()
                self.running -= 1
            return await original(db, query)

        monkeypatch.setattr(listing, "list_notes", held)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> HeldSearches:
    return HeldSearches(monkeypatch)


@pytest.fixture
async def make_client(settings: Settings, jwks: respx.Route) -> AsyncIterator[Callable[..., Any]]:
    """A client of an app of its own (its own pool) with these settings changed."""
    stack: list[Any] = []

    async def make(**changes: Any) -> httpx.AsyncClient:
        app = create_app(settings.model_copy(update=changes))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://notes.test")
        client.app = app  # type: ignore[attr-defined]
        stack.append(client)
        return client

    yield make
    for each in reversed(stack):
        await each.__aexit__(None, None, None)


async def until(condition: Callable[[], bool]) -> None:
    # A bound against a hang, not a timing assertion; the counts have no event to wait on.
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


async def test_a_flood_of_searches_leaves_reads_a_connection(
    make_client: Callable[..., Any], held: HeldSearches, alice: User
) -> None:
    client = await make_client(db_pool_size=2, search_concurrency=1, search_wait_seconds=30)
    bulkhead: Bulkhead = client.app.state.search_bulkhead
    flood = [
        asyncio.create_task(client.get("/notes/?q=garden", headers=alice.headers)) for _ in range(4)
    ]
    await until(lambda: held.running == 1 and bulkhead.waiting == 3)
    assert SEARCHES_WAITING._value.get() == 3

    async with asyncio.timeout(5):
        read = await client.get("/notes/1", headers=alice.headers)
    assert read.status_code == 404  # it ran its statement: alice has no note 1

    held.release.set()
    answers = await asyncio.gather(*flood)
    assert [answer.status_code for answer in answers] == [200] * 4


async def test_a_search_without_a_slot_in_time_is_refused_with_retry_after(
    make_client: Callable[..., Any], held: HeldSearches, alice: User
) -> None:
    client = await make_client(search_concurrency=1, search_wait_seconds=0.05)
    first = asyncio.create_task(client.get("/notes/?q=garden", headers=alice.headers))
    await until(lambda: held.running == 1)
    refused_before = SEARCHES_REFUSED._value.get()

    refused = await client.get("/notes/?q=garden", headers=alice.headers)

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {"detail": "Too many searches at once: try again"}
    assert SEARCHES_REFUSED._value.get() == refused_before + 1
    # Pages without `q` take no slot.
    assert (await client.get("/notes/", headers=alice.headers)).status_code == 200
    held.release.set()
    assert (await first).status_code == 200


async def test_the_limit_is_the_setting(
    make_client: Callable[..., Any], held: HeldSearches, alice: User
) -> None:
    client = await make_client(search_concurrency=3, search_wait_seconds=30)
    bulkhead: Bulkhead = client.app.state.search_bulkhead
    flood = [
        asyncio.create_task(client.get("/notes/?q=garden", headers=alice.headers)) for _ in range(5)
    ]
    await until(lambda: held.running == 3 and bulkhead.waiting == 2)
    await asyncio.sleep(0.05)  # none of the two waiting gets a slot meanwhile
    assert (held.running, bulkhead.waiting) == (3, 2)
    held.release.set()
    assert [answer.status_code for answer in await asyncio.gather(*flood)] == [200] * 5


def test_the_setting_is_read_and_leaves_reads_a_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTES_SEARCH_CONCURRENCY", "7")
    monkeypatch.setenv("NOTES_SEARCH_WAIT_SECONDS", "2.5")
    settings = Settings(db_pool_size=8)
    assert (settings.search_concurrency, settings.search_wait_seconds) == (7, 2.5)
    with pytest.raises(ValidationError, match="below db_pool_size"):
        Settings(db_pool_size=7)


def test_zero_is_unbounded() -> None:
    assert Settings(db_pool_size=1, search_concurrency=0).search_concurrency == 0
