"""auth-service's own metrics (issue 17): failed-login throttling hits, the
password-hashing queue, the outbox's backlog. Each is read from the app's
`/metrics` after provoking the condition.
"""

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.notes_client import PURGE_PATH
from auth_service.security import Argon2Parameters, PasswordHasher
from platform_common.testing.metrics import metric_value
from tests.conftest import BASE_URL, register
from tests.test_outbox import NOTES, NOTES_URL, deleted_users, make_dispatcher, purged

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def scrape(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


async def value(scrape: httpx.AsyncClient, name: str, **labels: str) -> float:
    response = await scrape.get("/metrics")
    assert response.status_code == 200
    found = metric_value(response.text, name, **labels)
    return 0.0 if found is None else found


async def test_throttled_logins_are_counted_by_limit(
    client: httpx.AsyncClient, scrape: httpx.AsyncClient
) -> None:
    victim = (await register(client))["email"]
    before = await value(scrape, "auth_login_throttled_total", limit="pair")
    form = {"grant_type": "password", "username": victim, "password": "wrong"}
    statuses = [(await client.post("/auth/token", data=form)).status_code for _ in range(7)]
    assert statuses == [400] * 5 + [429] * 2  # AUTH_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS: 5
    assert await value(scrape, "auth_login_throttled_total", limit="pair") == before + 2


class BlockedContext:
    """Stands in for passlib's CryptContext: every verify waits for `release`."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def verify(self, _password: str, _hashed: str) -> bool:
        self.release.wait()
        return False


async def test_hashing_queue_depth(scrape: httpx.AsyncClient) -> None:
    # The gauges read the last hasher built: this test's, one thread, three callers.
    hasher = PasswordHasher(
        Argon2Parameters(memory_cost_kib=64, time_cost=1, parallelism=1), concurrency=1
    )
    blocked = BlockedContext()
    hasher._context = blocked
    hasher._dummy_hash = "dummy"
    calls = [asyncio.create_task(hasher.verify("pw", None)) for _ in range(3)]
    try:
        await asyncio.sleep(0.2)  # each caller has reached the limiter
        assert await value(scrape, "auth_password_hashes_running") == 1
        assert await value(scrape, "auth_password_hashes_waiting") == 2
    finally:
        blocked.release.set()
        await asyncio.gather(*calls)
    assert await value(scrape, "auth_password_hashes_running") == 0
    assert await value(scrape, "auth_password_hashes_waiting") == 0


@pytest.fixture
def notes_down() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as mock:
        yield NOTES.route_template(mock, "DELETE", PURGE_PATH)


@pytest.fixture
async def notes_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=NOTES_URL, timeout=1.0) as client:
        yield client


async def test_outbox_backlog_and_its_oldest_age(
    app: FastAPI,
    committed_db: Sessions,
    notes_http: httpx.AsyncClient,
    notes_down: respx.Route,
    scrape: httpx.AsyncClient,
) -> None:
    dispatcher = make_dispatcher(committed_db, notes_http, app.state.auth.token_policy.signer)
    notes_down.side_effect = [httpx.Response(503, json={"detail": "down"})] * 2
    await deleted_users(committed_db, 2)
    async with committed_db() as session:
        await session.execute(
            text("UPDATE auth.outbox_events SET created_at = now() - interval '1 hour'")
        )
        await session.commit()
    assert await dispatcher.run_once() == 2  # both fail: still pending
    assert await value(scrape, "auth_outbox_events_pending") == 2
    age = await value(scrape, "auth_outbox_oldest_pending_age_seconds")
    assert 3600 <= age < 3600 + 300
    async with committed_db() as session:
        await session.execute(text("UPDATE auth.outbox_events SET next_attempt_at = now()"))
        await session.commit()
    notes_down.side_effect = [purged(), purged()]
    assert await dispatcher.run_once() == 2  # delivered
    assert await dispatcher.run_once() == 0  # the next poll measures an empty backlog
    assert await value(scrape, "auth_outbox_events_pending") == 0
    assert await value(scrape, "auth_outbox_oldest_pending_age_seconds") == 0
