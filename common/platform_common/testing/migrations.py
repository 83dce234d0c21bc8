"""A service's Alembic migrations, for its tests: run them, compare them with the models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from platform_common.database import create_database_engine, migration_options
from platform_common.testing.postgres import temporary_database


def alembic_config(service_root: Path, url: str) -> Config:
    """The service's own `alembic.ini`, pointed at `url`."""
    config = Config(service_root / "alembic.ini")
    config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(service_root: Path, url: str, revision: str = "head") -> None:
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(service_root, url), revision)


async def downgrade(service_root: Path, url: str, revision: str = "base") -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(service_root, url), revision)


@asynccontextmanager
async def migrated_database(prefix: str, service_root: Path) -> AsyncIterator[str]:
    """A temporary database with the service's migrations applied: its URL."""
    async with temporary_database(prefix) as url:
        await upgrade(service_root, url)
        yield url


def tables(connection: Connection, schema: str) -> set[str]:
    return set(inspect(connection).get_table_names(schema=schema))


def differences(connection: Connection, metadata: MetaData, schema: str) -> list[Any]:
    """What autogenerate would write: empty when the models and the migrations agree."""
    options = migration_options(metadata, schema)
    options.pop("target_metadata")
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, metadata))


async def schema_tables(url: str, schema: str) -> set[str]:
    engine = create_database_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(tables, schema)
    finally:
        await engine.dispose()


async def schema_differences(url: str, metadata: MetaData, schema: str) -> list[Any]:
    engine = create_database_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(differences, metadata, schema)
    finally:
        await engine.dispose()


@dataclass
class RoundTrip:
    upgraded: set[str]  # the schema's tables after upgrading an empty database
    downgraded: set[str]  # after downgrading to base
    differences: list[Any]  # between the models and the schema upgraded again


async def round_trip(
    service_root: Path, metadata: MetaData, schema: str, *, prefix: str
) -> RoundTrip:
    """Upgrade, downgrade and upgrade again a fresh database; what each step left."""
    async with temporary_database(prefix) as url:
        await upgrade(service_root, url)
        upgraded = await schema_tables(url, schema)
        await downgrade(service_root, url)
        downgraded = await schema_tables(url, schema)
        await upgrade(service_root, url)
        return RoundTrip(upgraded, downgraded, await schema_differences(url, metadata, schema))
