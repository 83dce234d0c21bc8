"""deploy/postgres/init-roles.sh against a real Postgres (the embedded one).

The script runs as the postgres image would run it, with psql, on a fresh
database; then each service's migrations run as that service's role, as the
compose migration step and the Kubernetes Jobs do. Each role must end up
owning its schema and reaching nothing else.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from platform_common.testing.postgres import server_url
from tests.deployment import DEPLOY, ROOT, services

SCRIPT = DEPLOY / "postgres" / "init-roles.sh"
# psql from the pgserver package (found, not imported: importing it starts nothing
# but warns about XDG_RUNTIME_DIR).
_PGSERVER = importlib.util.find_spec("pgserver")
assert _PGSERVER is not None
assert _PGSERVER.origin is not None
PG_BIN = Path(_PGSERVER.origin).parent / "pginstall" / "bin"
SCHEMAS = {"auth-service": "auth", "notes-service": "notes"}


@dataclass(frozen=True)
class Database:
    admin_url: str
    name: str
    socket_dir: str
    roles: dict[str, str]  # schema -> role

    def url(self, role: str) -> str:
        return f"postgresql://{role}:secret-{role}@/{self.name}?host={self.socket_dir}"


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    admin_url = server_url()
    socket_dir = parse_qs(urlsplit(admin_url).query)["host"][0]
    suffix = uuid.uuid4().hex[:8]
    name = f"deploy_init_{suffix}"
    roles = {"auth": f"auth_{suffix}", "notes": f"notes_{suffix}"}
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield Database(admin_url, name, socket_dir, roles)
    finally:
        asyncio.run(
            _admin(
                admin_url,
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                *(f'DROP ROLE IF EXISTS "{role}"' for role in roles.values()),
            )
        )


def _run_script(database: Database, **overrides: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{PG_BIN}{os.pathsep}{os.environ['PATH']}",
        "PGHOST": database.socket_dir,
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": database.name,
        "AUTH_DB_USER": database.roles["auth"],
        "NOTES_DB_USER": database.roles["notes"],
        "AUTH_DB_PASSWORD": f"secret-{database.roles['auth']}",
        "NOTES_DB_PASSWORD": f"secret-{database.roles['notes']}",
        **overrides,
    }
    return subprocess.run(
        ["sh", str(SCRIPT)], env=environment, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def initialised(database: Database) -> Database:
    result = _run_script(database)
    assert result.returncode == 0, result.stderr
    for spec in services():
        if not spec.migrates:
            continue
        role = database.roles[SCHEMAS[spec.name]]
        migration = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT / spec.name,
            env={**os.environ, f"{spec.env_prefix}DATABASE_URL": database.url(role)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert migration.returncode == 0, f"{spec.name} as {role}: {migration.stderr}"
    return database


def test_the_script_refuses_to_run_without_passwords(database: Database) -> None:
    result = _run_script(database, NOTES_DB_PASSWORD="")
    assert result.returncode != 0
    assert "NOTES_DB_PASSWORD" in result.stderr


def test_every_database_service_has_a_schema() -> None:
    assert {s.name for s in services() if s.migrates} == set(SCHEMAS)


async def _fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def test_each_role_owns_its_schema_and_its_tables(initialised: Database) -> None:
    url = initialised.admin_url.replace("/postgres?", f"/{initialised.name}?")
    for schema, role in initialised.roles.items():
        [owner] = asyncio.run(
            _fetch(
                url,
                "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1",
                schema,
            )
        )
        assert owner["owner"] == role
        tables = asyncio.run(
            _fetch(url, "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1", schema)
        )
        assert "alembic_version" in {t["tablename"] for t in tables}
        assert {t["tableowner"] for t in tables} == {role}


def test_no_role_reaches_the_other_schema_or_public(initialised: Database) -> None:
    url = initialised.admin_url.replace("/postgres?", f"/{initialised.name}?")
    roles = initialised.roles
    for schema in roles:
        for role in roles.values():
            [row] = asyncio.run(
                _fetch(
                    url,
                    "SELECT has_schema_privilege($1, $2, 'USAGE') AS usage,"
                    " has_schema_privilege($1, 'public', 'CREATE') AS public_create",
                    role,
                    schema,
                )
            )
            assert row["usage"] is (role == roles[schema]), (role, schema)
            assert row["public_create"] is False


def test_a_role_cannot_read_the_other_services_tables(initialised: Database) -> None:
    async def attempt() -> None:
        connection = await asyncpg.connect(initialised.url(initialised.roles["auth"]))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.fetch("SELECT * FROM notes.notes")
        finally:
            await connection.close()

    asyncio.run(attempt())


def test_other_roles_cannot_connect(initialised: Database) -> None:
    url = initialised.admin_url.replace("/postgres?", f"/{initialised.name}?")
    [row] = asyncio.run(
        _fetch(url, "SELECT has_database_privilege('public', $1, 'CONNECT') AS c", initialised.name)
    )
    assert row["c"] is False
