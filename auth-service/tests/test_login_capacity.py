"""A login burst cannot take auth-service down (issue 11, item 8).

Real app, real Postgres, hashing blocked until the checks are done: the
waiting logins hold no database connection, the hashing queue is bounded
(503 + Retry-After at once beyond it), and readiness does not depend on the
request pool.
"""

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from auth_service.config import Settings
from auth_service.main import create_app
from auth_service.models import User
from tests.conftest import BASE_URL, COMMITTED_DOMAIN, login, register, unique_email

CONCURRENCY, QUEUE = 1, 4
BURST = 60


class BlockedContext:
    """Stands in for passlib's CryptContext: every verify waits for `release`."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.release = threading.Event()

    def verify(self, password: str, hashed: str) -> bool:
        self.release.wait()
        return bool(self._real.verify(password, hashed))

    def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        self.release.wait()
        matches, replacement = self._real.verify_and_update(password, hashed)
        return bool(matches), replacement

    def hash(self, password: str) -> str:
        return str(self._real.hash(password))


@pytest.fixture
async def small_app(database_url: str, keys_dir: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        signing_keys_dir=keys_dir,
        argon2_memory_cost_kib=64,
        argon2_time_cost=1,
        db_pool_size=2,  # with SQLAlchemy's overflow of 10: 12 connections at most
        password_hashing_concurrency=CONCURRENCY,
        password_hashing_queue_size=QUEUE,
        login_limit_per_account_address=1000,
        login_limit_per_address=1000,
        login_limit_per_account=1000,
        outbox_enabled=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        try:
            yield app
        finally:
            async with app.state.auth.sessionmaker() as cleanup:
                await cleanup.execute(delete(User).where(User.email.like(f"%@{COMMITTED_DOMAIN}")))
                await cleanup.commit()


async def test_burst_leaves_readiness_and_other_routes_alone(small_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=small_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        email = unique_email(COMMITTED_DOMAIN)
        await register(client, email=email)
        account = await login(client, email)
        hasher = small_app.state.auth.hasher
        blocked = BlockedContext(hasher._context)
        hasher._context = blocked
        try:
            async with asyncio.timeout(60):  # a guard against a hang, not a measurement
                burst = [
                    asyncio.create_task(
                        client.post(
                            "/auth/token",
                            data={"grant_type": "password", "username": email, "password": "bad"},
                        )
                    )
                    for _ in range(BURST)
                ]
                # Those beyond the hashing slots and the queue are answered at once.
                refused = asyncio.Event()

                def count(_task: object) -> None:
                    if sum(task.done() for task in burst) >= BURST - CONCURRENCY - QUEUE:
                        refused.set()

                for task in burst:
                    task.add_done_callback(count)
                await refused.wait()
                ready = await client.get("/health/ready")
                me = await client.get("/auth/me", headers=account.headers)
                blocked.release.set()
                answers = await asyncio.gather(*burst)
        finally:
            blocked.release.set()
            hasher._context = blocked._real
    assert ready.status_code == 200
    assert me.status_code == 200
    busy = [r for r in answers if r.status_code == 503]
    assert len(busy) == BURST - CONCURRENCY - QUEUE
    assert busy[0].json()["error"] == "temporarily_unavailable"
    assert busy[0].headers["Retry-After"] == "1"
    assert sorted(r.status_code for r in answers if r.status_code != 503) == [400] * (
        CONCURRENCY + QUEUE
    )
