import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from notes_service.db import SCHEMA, Base
from platform_common.database import create_database_engine
from platform_common.testing.postgres import temporary_database
from tests.conftest import alembic_config, migrate


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "version_table_schema": SCHEMA,
            "include_name": lambda name, type_, _: type_ != "schema" or name == SCHEMA,
            "compare_type": True,
        },
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names(schema=SCHEMA))


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_database_engine(database_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
    await engine.dispose()


async def test_upgrade_downgrade_upgrade() -> None:
    async with temporary_database("notes_migrations") as url:
        engine = create_database_engine(url)
        await migrate(url)
        async with engine.connect() as connection:
            assert "notes" in await connection.run_sync(_tables)
            version = await connection.scalar(text("SELECT version_num FROM notes.alembic_version"))
            assert version
        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == {"alembic_version"}
        await migrate(url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
        await engine.dispose()
