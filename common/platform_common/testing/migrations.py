"""A service's Alembic migrations, for its tests: run them, compare them with the models."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from platform_common.database import create_database_engine
from platform_common.migration_env import migration_options, migrator_name
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


# ---- the Alembic command line, as a Job or a starting replica runs it --------


@dataclass
class MigratorRun:
    returncode: int
    output: str  # stdout and stderr, interleaved

    def applied(self) -> list[str]:
        """The revisions this run upgraded to, in order (Alembic's `Running upgrade` lines)."""
        return re.findall(r"Running upgrade .*?-> (\w+)", self.output)


def revisions(service_root: Path) -> list[str]:
    """Every revision of the service, oldest first."""
    script = ScriptDirectory.from_config(Config(service_root / "alembic.ini"))
    return [each.revision for each in reversed(list(script.walk_revisions()))]


async def start_migrator(
    service_root: Path, env: Mapping[str, str], *arguments: str
) -> asyncio.subprocess.Process:
    """`alembic upgrade head` (or `arguments`) in a process of its own, with `env` on top."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alembic",
        *(arguments or ("upgrade", "head")),
        cwd=service_root,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def finish(process: asyncio.subprocess.Process, *, within: float) -> MigratorRun:
    """Its exit status and output; killed (and the test failed) after `within` seconds."""
    try:
        async with asyncio.timeout(within):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"the migrator did not finish within {within:.0f}s") from None
    assert process.returncode is not None
    return MigratorRun(process.returncode, output.decode(errors="replace"))


@asynccontextmanager
async def holding(url: str, statement: str) -> AsyncIterator[None]:
    """`statement` (a LOCK, an advisory lock) run in a transaction open until the block ends."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute(statement)
            yield
    finally:
        await connection.close()


async def wait_for_migrators(url: str, schema: str, count: int, *, within: float) -> None:
    """Until `count` migrators of `schema` are connected (and so trying its lock)."""
    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(within):
            while True:
                connected = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = $1",
                    migrator_name(schema),
                )
                if connected >= count:
                    return
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"fewer than {count} migrators connected") from None
    finally:
        await connection.close()


async def current_revision(url: str, schema: str) -> str | None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SELECT set_config('search_path', $1, false)", schema)
        value: str | None = await connection.fetchval("SELECT version_num FROM alembic_version")
        return value
    finally:
        await connection.close()
