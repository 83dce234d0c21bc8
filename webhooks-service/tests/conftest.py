from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from platform_common.testing.issuer import TokenIssuer
from platform_common.testing.service import ServiceUnderTest
from tests.receiver import Receiver, running_receiver
from tests.workers import Rig, Workers
from webhooks_service.config import Settings
from webhooks_service.deps import get_session
from webhooks_service.main import create_app

# issuer, jwks, engine; database_url, settings, app, session, client, alice, bob from `service`.
pytest_plugins = ["platform_common.testing.fixtures"]

SERVICE_ROOT = Path(__file__).resolve().parents[1]
SERVICE_AUDIENCE = "webhooks-service"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    return ServiceUnderTest(
        "webhooks_test",
        SERVICE_ROOT,
        create_app,
        "http://webhooks.test",
        # The tests' workers are their own (tests/test_worker.py).
        settings=partial(Settings, delivery_enabled=False),
        session_dependency=get_session,
        user_scope="webhooks",
    )


def service_headers(
    issuer: TokenIssuer, scope: str, subject: str = "notes-service"
) -> dict[str, str]:
    token = issuer.token(subject, scope=scope, aud=SERVICE_AUDIENCE)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions that really commit (the workers' own transactions); emptied after."""
    yield async_sessionmaker(engine, expire_on_commit=False)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE webhooks.endpoints, webhooks.events CASCADE"))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as receiver:
        yield receiver


@pytest.fixture
async def make_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Workers]:
    workers = Workers(sessionmaker)
    yield workers
    for sender in workers.senders:
        await sender.aclose()


@pytest.fixture
def rig(
    sessionmaker: async_sessionmaker[AsyncSession], receiver: Receiver, make_worker: Workers
) -> Rig:
    return Rig(sessionmaker, receiver, make_worker)
