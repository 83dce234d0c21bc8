"""platform_common.database: URLs, engines, readiness, the 503 for an unreachable database."""

import os

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from platform_common.database import (
    add_database_error_handlers,
    async_database_url,
    create_database_engine,
    database_ready,
    is_database_unavailable,
)
from platform_common.testing.postgres import server_url

# Port 1 on loopback: nothing listens, the connection is refused at once.
NOWHERE = "postgresql://postgres@127.0.0.1:1/postgres"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_async_database_url(url: str, expected: str) -> None:
    assert async_database_url(url) == expected


class Driver(Exception):
    """A driver's error with its SQLSTATE, as asyncpg's carry it."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


def dbapi_error(sqlstate: str) -> DBAPIError:
    return DBAPIError("SELECT 1", None, Driver(sqlstate))


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(),
        TimeoutError(),
        OperationalError("SELECT 1", None, Exception("gone")),
        dbapi_error("08006"),  # connection failure
        dbapi_error("57P03"),  # cannot connect now (starting up)
        dbapi_error("53300"),  # too many connections
    ],
)
def test_unavailable(error: BaseException) -> None:
    assert is_database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [ProgrammingError("SELEC 1", None, Exception("syntax")), dbapi_error("23505"), ValueError()],
)
def test_a_bug_is_not_unavailability(error: BaseException) -> None:
    assert not is_database_unavailable(error)


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    add_database_error_handlers(app)

    @app.get("/query")
    async def query() -> None:
        raise error

    return app


async def test_unreachable_database_answers_503() -> None:
    transport = httpx.ASGITransport(app=app_raising(ConnectionRefusedError()))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        response = await client.get("/query")
    assert (response.status_code, response.json()) == (503, {"detail": "Database unavailable"})
    assert response.headers["Retry-After"] == "1"


async def test_a_bug_stays_a_500() -> None:
    app = app_raising(dbapi_error("23505"))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        assert (await client.get("/query")).status_code == 500


async def test_engine_and_readiness_against_a_real_server() -> None:
    engine = create_database_engine(os.environ.get("TEST_DATABASE_URL") or server_url())
    try:
        assert engine.dialect.driver == "asyncpg"
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
        assert await database_ready(engine) == {"ok": True}
    finally:
        await engine.dispose()


async def test_readiness_of_an_unreachable_server() -> None:
    engine = create_database_engine(NOWHERE)
    try:
        ready = await database_ready(engine)
    finally:
        await engine.dispose()
    assert ready["ok"] is False
    assert ready["error"] in {"ConnectionRefusedError", "OSError"}
