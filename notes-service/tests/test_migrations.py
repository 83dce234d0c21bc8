import time

from notes_service.db import SCHEMA, Base
from platform_common.migration_env import migration_lock_key
from platform_common.testing.migrations import (
    current_revision,
    finish,
    holding,
    revisions,
    round_trip,
    schema_differences,
    start_migrator,
    upgrade,
    wait_for_migrators,
)
from platform_common.testing.postgres import temporary_database
from tests.conftest import SERVICE_ROOT

URL_VARIABLE = "NOTES_DATABASE_URL"
LOCK_TIMEOUT_VARIABLE = "NOTES_MIGRATION_LOCK_TIMEOUT_SECONDS"
STATEMENT_TIMEOUT_VARIABLE = "NOTES_MIGRATION_STATEMENT_TIMEOUT_SECONDS"
# The revision before one that alters a table the test keeps locked.
BEFORE_BLOCKED = "5f3a9d2c7b10"
BLOCKED_TABLE = "notes.notes"


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await schema_differences(database_url, Base.metadata, SCHEMA) == []


async def test_upgrade_downgrade_upgrade() -> None:
    result = await round_trip(SERVICE_ROOT, Base.metadata, SCHEMA, prefix="notes_migrations")
    assert {"notes", "alembic_version"} <= result.upgraded
    assert result.downgraded == {"alembic_version"}
    assert result.differences == []


class TestMigrator:
    """`alembic upgrade head` as a Job or replicas starting together run it
    (platform_common.migration_env)."""

    async def test_migrators_started_together_migrate_once(self) -> None:
        async with temporary_database("notes_migrate_once") as url:
            # Held until both wait for it, so that they really start together.
            async with holding(url, f"SELECT pg_advisory_xact_lock({migration_lock_key(SCHEMA)})"):
                migrators = [await start_migrator(SERVICE_ROOT, {URL_VARIABLE: url}) for _ in "ab"]
                await wait_for_migrators(url, SCHEMA, 2, within=60)
            runs = [await finish(each, within=60) for each in migrators]
            assert [run.returncode for run in runs] == [0, 0], [run.output for run in runs]
            # One did every migration, the other found nothing left to do.
            assert sorted([run.applied() for run in runs], key=len) == [[], revisions(SERVICE_ROOT)]
            assert await current_revision(url, SCHEMA) == revisions(SERVICE_ROOT)[-1]

    async def test_a_migration_blocked_by_a_lock_fails_fast(self) -> None:
        async with temporary_database("notes_lock_timeout") as url:
            await upgrade(SERVICE_ROOT, url, BEFORE_BLOCKED)
            async with holding(url, f"LOCK TABLE {BLOCKED_TABLE} IN ACCESS SHARE MODE"):
                started = time.monotonic()
                migrator = await start_migrator(
                    SERVICE_ROOT, {URL_VARIABLE: url, LOCK_TIMEOUT_VARIABLE: "1"}
                )
                run = await finish(migrator, within=30)
                elapsed = time.monotonic() - started
            assert run.returncode != 0
            assert f"within 1.0 s (lock_timeout, set by {LOCK_TIMEOUT_VARIABLE})" in run.output, (
                run.output
            )
            assert elapsed < 20  # the interpreter's start included; without it, until the lock goes
            assert await current_revision(url, SCHEMA) == BEFORE_BLOCKED

    async def test_the_offline_sql_sets_the_timeouts_and_takes_the_lock(self) -> None:
        migrator = await start_migrator(
            SERVICE_ROOT,
            {LOCK_TIMEOUT_VARIABLE: "2.5", STATEMENT_TIMEOUT_VARIABLE: "60"},
            "upgrade",
            "--sql",
            f"{BEFORE_BLOCKED}:head",  # older ones may compute in Python, online only
        )
        run = await finish(migrator, within=60)
        assert run.returncode == 0, run.output
        head = run.output[: run.output.index("BEGIN;")]
        assert "SET lock_timeout = '2500ms';" in head
        assert "SET statement_timeout = '60000ms';" in head
        assert f"SELECT pg_advisory_lock({migration_lock_key(SCHEMA)});" in head
        # One transaction per migration: each is committed before the next begins.
        sql = "\n".join(line for line in run.output.splitlines() if not line.startswith("INFO "))
        steps = sql.split("-- Running upgrade")[1:]
        newer = revisions(SERVICE_ROOT)
        assert len(steps) == len(newer) - newer.index(BEFORE_BLOCKED) - 1
        assert all(step.rstrip().endswith(("COMMIT;", "COMMIT;\n\nBEGIN;")) for step in steps)
