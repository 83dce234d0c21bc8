"""The Alembic environment every service shares: the body of each `migrations/env.py`.

A release's migrations run while the previous release still serves
(docs/migrations.md), so they run in the way that least disturbs it:

- Replicas or Jobs that start together migrate one at a time: each first
  takes a Postgres advisory lock of its own schema's (`migration_lock_key`)
  and reads the version table only once it holds it, so the second waits,
  then finds nothing left to do.
- `lock_timeout` and `statement_timeout` are set for the session
  (`MigrationTimeouts`, from the service's settings). A statement waiting for
  a table lock queues every later query of that table behind it: after
  `lock_timeout` it gives up and the migration fails with a clear error
  (`alembic.util.CommandError`), to be run again, instead of stalling the
  service. `statement_timeout` bounds a statement that runs too long.
- One transaction per migration: a failed migration leaves those before it
  applied, and its own rolled back, except the steps of an autocommit block
  (`CREATE INDEX CONCURRENTLY`, platform_common.migration_helpers), written
  so that the migration can simply be run again.

Offline (`alembic upgrade --sql`) the same settings and lock are written as
SQL ahead of the migrations: for review, for `make migrations-lint`, and for
whoever applies the script by hand.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from logging.config import fileConfig
from typing import Any, Protocol

from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from platform_common.database import async_database_url

# Alembic's own name for the env script's logger: alembic.ini's `alembic`
# logger (INFO) prints it beside "Running upgrade ..." lines.
logger = logging.getLogger("alembic.env")

# SQLSTATEs of a statement given up: a lock not granted within lock_timeout,
# a statement cancelled at statement_timeout.
_LOCK_NOT_AVAILABLE = "55P03"
_QUERY_CANCELED = "57014"
# How often a migrator waiting for another tries the lock again.
LOCK_POLL_SECONDS = 0.5


class MigrationSettings(Protocol):
    """What a service's Settings give the migrations (`<PREFIX>MIGRATION_*`)."""

    @property
    def model_config(self) -> Mapping[str, Any]: ...  # pydantic-settings' own: `env_prefix`

    @property
    def migration_lock_timeout_seconds(self) -> float: ...

    @property
    def migration_statement_timeout_seconds(self) -> float: ...


@dataclass(frozen=True)
class MigrationTimeouts:
    """`lock_timeout` and `statement_timeout` of a migration's session, and the
    variables they come from (the error that stops a migration names them)."""

    lock_seconds: float
    statement_seconds: float
    lock_variable: str = "lock_timeout"
    statement_variable: str = "statement_timeout"

    @classmethod
    def of(cls, settings: MigrationSettings) -> MigrationTimeouts:
        prefix = str(settings.model_config.get("env_prefix", ""))
        return cls(
            settings.migration_lock_timeout_seconds,
            settings.migration_statement_timeout_seconds,
            lock_variable=f"{prefix}MIGRATION_LOCK_TIMEOUT_SECONDS",
            statement_variable=f"{prefix}MIGRATION_STATEMENT_TIMEOUT_SECONDS",
        )

    def statements(self) -> list[str]:
        return [
            f"SET lock_timeout = '{_milliseconds(self.lock_seconds)}ms'",
            f"SET statement_timeout = '{_milliseconds(self.statement_seconds)}ms'",
        ]


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))  # 0 would mean no limit at all


def migration_lock_key(schema: str) -> int:
    """The advisory lock of one schema's migrations: the same for every migrator
    of the service, another for each service (a bigint, as pg_advisory_lock takes)."""
    digest = hashlib.sha256(f"alembic-migrations:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def migrator_name(schema: str) -> str:
    """The `application_name` of a migrator's session."""
    return f"alembic-migrate-{schema}"


def migration_options(metadata: MetaData, schema: str) -> dict[str, Any]:
    """How Alembic compares a service's models with its schema: the same for
    migrating and for the tests that check models and migrations agree."""
    return {
        "target_metadata": metadata,
        "version_table_schema": schema,
        "include_schemas": True,
        # Only this service's schema: another service's tables are not "removed".
        "include_name": lambda name, type_, _parent: type_ != "schema" or name == schema,
        "compare_type": True,
    }


def configure_command_line_logging(config: Config) -> None:
    """alembic.ini's logging, when Alembic runs as a command (a Job, `make run`):
    which migrations ran, and any wait for another migrator. Not when a test
    calls Alembic's API (its process keeps its own logging)."""
    if config.cmd_opts is not None and config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations(url: str, metadata: MetaData, schema: str, timeouts: MigrationTimeouts) -> None:
    """Upgrade or downgrade `schema` as the Alembic command asked (online or `--sql`)."""
    from alembic import context

    configure_command_line_logging(context.config)
    if context.is_offline_mode():
        _write_sql(metadata, schema, timeouts)
    else:
        asyncio.run(_migrate_online(url, metadata, schema, timeouts))


def _write_sql(metadata: MetaData, schema: str, timeouts: MigrationTimeouts) -> None:
    from alembic import context

    context.configure(
        dialect_name="postgresql",
        literal_binds=True,
        transaction_per_migration=True,
        **migration_options(metadata, schema),
    )
    for statement in timeouts.statements():
        context.execute(statement)
    context.execute(f"SELECT pg_advisory_lock({migration_lock_key(schema)})")
    if context.get_starting_revision_argument() is None:
        context.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_online(
    url: str, metadata: MetaData, schema: str, timeouts: MigrationTimeouts
) -> None:
    # NullPool: the connection, and with it the advisory lock, ends with the run.
    engine = create_async_engine(
        async_database_url(url),
        poolclass=pool.NullPool,
        # Named in pg_stat_activity: an operator sees who holds or waits for what.
        connect_args={"server_settings": {"application_name": migrator_name(schema)}},
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, metadata, schema, timeouts)
            await connection.commit()
    finally:
        await engine.dispose()


def _migrate(
    connection: Connection, metadata: MetaData, schema: str, timeouts: MigrationTimeouts
) -> None:
    from alembic import context

    _take_migration_lock(connection, schema)
    # Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE
    # right on the database, which a role limited to its schema lacks.
    exists = connection.scalar(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
    )
    if not exists:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Set after the lock is held: waiting for another migrator is no lock to give up on.
    for statement in timeouts.statements():
        connection.execute(text(statement))
    # Committed before Alembic starts: a connection already in a transaction
    # would make Alembic run every migration inside that one.
    connection.commit()
    context.configure(
        connection=connection, transaction_per_migration=True, **migration_options(metadata, schema)
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    except DBAPIError as exc:
        raise _given_up(exc, timeouts) from exc


def _take_migration_lock(connection: Connection, schema: str) -> None:
    """Session-level, so it outlives each migration's transaction.

    Tried again every LOCK_POLL_SECONDS rather than waited for in
    pg_advisory_lock: a statement waiting holds a snapshot, and CREATE INDEX
    CONCURRENTLY in the migrator that holds the lock waits for every older
    snapshot of the database to go; each would wait for the other (a deadlock).
    """
    key = {"key": migration_lock_key(schema)}
    waiting = False
    while not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
        connection.commit()  # between tries, no transaction and no snapshot
        if not waiting:
            logger.info("another migrator of schema %s is running: waiting for it", schema)
            waiting = True
        time.sleep(LOCK_POLL_SECONDS)
    if waiting:
        logger.info("the other migrator finished: checking what is left to do")


def _given_up(exc: DBAPIError, timeouts: MigrationTimeouts) -> Exception:
    """A clear error for a statement a timeout stopped; any other error as it is."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate == _LOCK_NOT_AVAILABLE:
        return CommandError(
            "migration stopped: a lock it needs was not granted within "
            f"{timeouts.lock_seconds} s (lock_timeout, set by {timeouts.lock_variable}). "
            "A transaction holding it (see pg_stat_activity) was left running rather "
            "than stall the service's queries; the failed migration was rolled back: "
            f"run the migrations again. Statement: {exc.statement}"
        )
    if sqlstate == _QUERY_CANCELED:
        return CommandError(
            f"migration stopped: a statement ran longer than {timeouts.statement_seconds} s "
            f"(statement_timeout, set by {timeouts.statement_variable}); the failed migration "
            "was rolled back. "
            f"Statement: {exc.statement}"
        )
    return exc
