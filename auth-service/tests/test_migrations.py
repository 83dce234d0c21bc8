from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from auth_service import models  # noqa: F401  (registers the tables on Base.metadata)
from auth_service.db import SCHEMA, Base
from platform_common.database import create_database_engine
from platform_common.testing.postgres import temporary_database
from tests.conftest import alembic


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    async with temporary_database("auth_migrations") as url:
        yield url


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, _parent: type_ != "schema" or name == SCHEMA,
            "compare_type": True,
            "version_table_schema": SCHEMA,
        },
    )
    return list(compare_metadata(context, Base.metadata))


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names(schema=SCHEMA))


async def test_migrations_match_models(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(fresh_database: str) -> None:
    engine = create_database_engine(fresh_database)
    try:
        await alembic(fresh_database)
        async with engine.connect() as connection:
            assert {"users", "refresh_tokens", "alembic_version"} <= await connection.run_sync(
                tables
            )
            version = await connection.scalar(text("SELECT version_num FROM auth.alembic_version"))
            assert version
        await alembic(fresh_database, "downgrade", "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(tables) == {"alembic_version"}
        await alembic(fresh_database)
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_public_schema_untouched(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        async with engine.connect() as connection:
            public = await connection.run_sync(
                lambda sync: set(inspect(sync).get_table_names(schema="public"))
            )
            assert public == set()
    finally:
        await engine.dispose()
