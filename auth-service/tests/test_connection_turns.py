"""auth-service's pool (its sessions' engine) hands out connections first come, first
served: under a login burst nobody is passed in the queue (bench/README.md, "The tail")."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from auth_service.config import Settings
from auth_service.main import create_app
from platform_common.testing.pool_turns import engine_served_order


@pytest.fixture
async def small_pool_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"db_pool_size": 1}))
    async with app.router.lifespan_context(app):
        yield app


async def test_a_released_connection_goes_to_the_request_waiting_longest(
    small_pool_app: FastAPI,
) -> None:
    assert await engine_served_order(small_pool_app.state.auth.engine) == ["waiting", "newcomer"]
