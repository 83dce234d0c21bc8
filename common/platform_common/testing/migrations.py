"""A service's Alembic migrations, for its tests: run them, compare them with the models."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
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
from platform_common.migration_env import migration_lock_key, migration_options, migrator_name
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


# ---- the tests every service with migrations runs ----------------------------


class MigrationSuite:
    """A service's migration tests: subclass it as `TestMigrations` in the
    service's tests, with the class attributes below set (pytest collects the
    inherited tests; they take the service's `database_url` fixture)."""

    service_root: Path
    metadata: MetaData
    schema: str
    # The settings prefix: `<PREFIX>_DATABASE_URL`, `<PREFIX>_MIGRATION_*`.
    env_prefix: str
    # Tables the upgrade must create, beside alembic_version.
    created_tables: frozenset[str]
    # The revision before one that alters `blocked_table`, which a test keeps locked.
    before_blocked: str
    blocked_table: str

    def variable(self, name: str) -> str:
        return f"{self.env_prefix}_{name}"

    async def test_models_and_migrations_agree(self, database_url: str) -> None:
        differences = await schema_differences(database_url, self.metadata, self.schema)
        assert differences == [], differences

    async def test_upgrade_downgrade_upgrade(self) -> None:
        prefix = f"{self.schema}_migrations"
        result = await round_trip(self.service_root, self.metadata, self.schema, prefix=prefix)
        assert self.created_tables | {"alembic_version"} <= result.upgraded, result.upgraded
        assert result.downgraded == {"alembic_version"}, result.downgraded
        assert result.differences == [], result.differences

    async def test_migrators_started_together_migrate_once(self) -> None:
        """`alembic upgrade head` as a Job or replicas starting together run it
        (platform_common.migration_env)."""
        root, schema = self.service_root, self.schema
        async with temporary_database(f"{schema}_migrate_once") as url:
            # Held until both wait for it, so that they really start together.
            async with holding(url, f"SELECT pg_advisory_xact_lock({migration_lock_key(schema)})"):
                env = {self.variable("DATABASE_URL"): url}
                migrators = [await start_migrator(root, env) for _ in "ab"]
                await wait_for_migrators(url, schema, 2, within=60)
            runs = [await finish(each, within=60) for each in migrators]
            assert [run.returncode for run in runs] == [0, 0], [run.output for run in runs]
            # One did every migration, the other found nothing left to do.
            applied = sorted([run.applied() for run in runs], key=len)
            assert applied == [[], revisions(root)], applied
            assert await current_revision(url, schema) == revisions(root)[-1]

    async def test_a_migration_blocked_by_a_lock_fails_fast(self) -> None:
        lock_timeout = self.variable("MIGRATION_LOCK_TIMEOUT_SECONDS")
        async with temporary_database(f"{self.schema}_lock_timeout") as url:
            await upgrade(self.service_root, url, self.before_blocked)
            async with holding(url, f"LOCK TABLE {self.blocked_table} IN ACCESS SHARE MODE"):
                started = time.monotonic()
                env = {self.variable("DATABASE_URL"): url, lock_timeout: "1"}
                run = await finish(await start_migrator(self.service_root, env), within=30)
                elapsed = time.monotonic() - started
            assert run.returncode != 0
            assert f"within 1.0 s (lock_timeout, set by {lock_timeout})" in run.output, run.output
            # The interpreter's start included; without it, until the lock goes.
            assert elapsed < 20, elapsed
            assert await current_revision(url, self.schema) == self.before_blocked

    async def test_the_offline_sql_sets_the_timeouts_and_takes_the_lock(self) -> None:
        env = {
            self.variable("MIGRATION_LOCK_TIMEOUT_SECONDS"): "2.5",
            self.variable("MIGRATION_STATEMENT_TIMEOUT_SECONDS"): "60",
        }
        # From before_blocked: older ones may compute in Python, online only.
        arguments = ("upgrade", "--sql", f"{self.before_blocked}:head")
        run = await finish(await start_migrator(self.service_root, env, *arguments), within=60)
        assert run.returncode == 0, run.output
        head = run.output[: run.output.index("BEGIN;")]
        assert "SET lock_timeout = '2500ms';" in head, head
        assert "SET statement_timeout = '60000ms';" in head, head
        assert f"SELECT pg_advisory_lock({migration_lock_key(self.schema)});" in head, head
        # One transaction per migration: each is committed before the next begins.
        sql = "\n".join(line for line in run.output.splitlines() if not line.startswith("INFO "))
        steps = sql.split("-- Running upgrade")[1:]
        newer = revisions(self.service_root)
        assert len(steps) == len(newer) - newer.index(self.before_blocked) - 1, steps
        assert all(step.rstrip().endswith(("COMMIT;", "COMMIT;\n\nBEGIN;")) for step in steps)
