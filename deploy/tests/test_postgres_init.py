"""deploy/postgres/init-roles.sh against a real Postgres (the embedded one).

The script runs as the postgres image would run it, with psql, on a fresh
database; then each service's migrations run as that service's migration
role, as the compose migration step and the Kubernetes Jobs do, and the
platform runs on the runtime roles. Per service, the migration role owns the
schema; the runtime role only reads and writes rows in it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from run_local import LocalSystem, free_ports

from platform_common.testing.postgres import server_url
from tests.deployment import DEPLOY, ROOT, ServiceSpec, services

SCRIPT = DEPLOY / "postgres" / "init-roles.sh"
# psql from the pgserver package (found, not imported: importing it starts nothing
# but warns about XDG_RUNTIME_DIR).
_PGSERVER = importlib.util.find_spec("pgserver")
assert _PGSERVER is not None
assert _PGSERVER.origin is not None
PG_BIN = Path(_PGSERVER.origin).parent / "pginstall" / "bin"
SCHEMAS = {"auth-service": "auth", "notes-service": "notes", "webhooks-service": "webhooks"}
PASSWORD_VARIABLES = [
    "AUTH_DB_PASSWORD",
    "AUTH_MIGRATION_DB_PASSWORD",
    "NOTES_DB_PASSWORD",
    "NOTES_MIGRATION_DB_PASSWORD",
    "WEBHOOKS_DB_PASSWORD",
    "WEBHOOKS_MIGRATION_DB_PASSWORD",
]


@dataclass(frozen=True)
class Roles:
    migration: str
    runtime: str


@dataclass(frozen=True)
class Database:
    admin_url: str  # the server's, TEST_DATABASE_URL or the embedded one
    name: str
    roles: dict[str, Roles]  # by schema
    backup: str  # the backups' role

    @property
    def _server(self) -> tuple[str, int | None]:
        """Host (or socket directory) and port, as libpq's PGHOST and PGPORT."""
        parts = urlsplit(self.admin_url)
        socket_dir = parse_qs(parts.query).get("host")
        if socket_dir:
            return socket_dir[0], parts.port
        assert parts.hostname is not None
        return parts.hostname, parts.port

    def url(self, role: str, password: str | None = None) -> str:
        host, port = self._server
        secret = f"secret-{role}" if password is None else password
        credentials = f"{role}:{secret}" if secret else role
        if host.startswith("/"):
            return f"postgresql://{credentials}@/{self.name}?host={host}"
        return f"postgresql://{credentials}@{host}:{port or 5432}/{self.name}"

    def query(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """`sql`'s rows, run as the server's superuser in this database."""
        return asyncio.run(_fetch(self.admin, sql, *args))

    @property
    def admin(self) -> str:
        user = urlsplit(self.admin_url).username or "postgres"
        return self.url(user, urlsplit(self.admin_url).password or "")

    def libpq_environment(self) -> dict[str, str]:
        host, port = self._server
        environment = {"PGHOST": host, "PGPORT": str(port or 5432)}
        if urlsplit(self.admin_url).password:
            environment["PGPASSWORD"] = str(urlsplit(self.admin_url).password)
        return environment

    def all_roles(self) -> list[str]:
        return [r for roles in self.roles.values() for r in (roles.migration, roles.runtime)]


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
    suffix = uuid.uuid4().hex[:8]
    name = f"deploy_init_{suffix}"
    roles = {
        schema: Roles(f"{schema}_migration_{suffix}", f"{schema}_{suffix}")
        for schema in SCHEMAS.values()
    }
    database = Database(admin_url, name, roles, f"platform_backup_{suffix}")
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield database
    finally:
        asyncio.run(
            _admin(
                admin_url,
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                *(f'DROP ROLE IF EXISTS "{role}"' for role in database.all_roles()),
                f'DROP ROLE IF EXISTS "{database.backup}"',
            )
        )


def _script_environment(database: Database) -> dict[str, str]:
    environment = {
        "PATH": f"{PG_BIN}{os.pathsep}{os.environ['PATH']}",
        **database.libpq_environment(),
        "POSTGRES_USER": urlsplit(database.admin_url).username or "postgres",
        "POSTGRES_DB": database.name,
        "BACKUP_DB_USER": database.backup,
        "BACKUP_DB_PASSWORD": f"secret-{database.backup}",
    }
    for schema, roles in database.roles.items():
        prefix = schema.upper()
        environment |= {
            f"{prefix}_DB_USER": roles.runtime,
            f"{prefix}_DB_PASSWORD": f"secret-{roles.runtime}",
            f"{prefix}_MIGRATION_DB_USER": roles.migration,
            f"{prefix}_MIGRATION_DB_PASSWORD": f"secret-{roles.migration}",
        }
    return environment


def _run_script(database: Database, **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT)],
        env={**_script_environment(database), **overrides},
        capture_output=True,
        text=True,
        check=False,
    )


def _alembic(spec_name: str, env_prefix: str, url: str, *command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", *command],
        cwd=ROOT / spec_name,
        env={**os.environ, f"{env_prefix}DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{spec_name} {command}: {result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def initialised(database: Database) -> Database:
    result = _run_script(database)
    assert result.returncode == 0, result.stderr
    for spec in services():
        if spec.migrates:
            role = database.roles[SCHEMAS[spec.name]].migration
            _alembic(spec.name, spec.settings_prefix, database.url(role), "upgrade", "head")
    return database


@pytest.mark.parametrize("variable", PASSWORD_VARIABLES)
def test_the_script_refuses_to_run_without_passwords(database: Database, variable: str) -> None:
    result = _run_script(database, **{variable: ""})
    assert result.returncode != 0
    assert variable in result.stderr


@pytest.mark.parametrize("schema", ["AUTH", "NOTES"])
def test_the_script_refuses_one_password_for_both_roles(database: Database, schema: str) -> None:
    result = _run_script(
        database, **{f"{schema}_DB_PASSWORD": "same", f"{schema}_MIGRATION_DB_PASSWORD": "same"}
    )
    assert result.returncode != 0
    assert f"{schema}_MIGRATION_DB_PASSWORD" in result.stderr


def test_every_database_service_has_a_schema() -> None:
    assert {s.name for s in services() if s.migrates} == set(SCHEMAS)


async def _fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


def _tables(database: Database, schema: str) -> list[asyncpg.Record]:
    return database.query(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1",
        schema,
    )


def test_the_migration_role_owns_its_schema_and_its_tables(initialised: Database) -> None:
    for schema, roles in initialised.roles.items():
        [owner] = initialised.query(
            "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1",
            schema,
        )
        assert owner["owner"] == roles.migration
        tables = _tables(initialised, schema)
        assert "alembic_version" in {t["tablename"] for t in tables}
        assert {t["tableowner"] for t in tables} == {roles.migration}


def test_no_role_reaches_the_other_schema_or_public(initialised: Database) -> None:
    for schema, own in initialised.roles.items():
        for role in initialised.all_roles():
            [row] = initialised.query(
                "SELECT has_schema_privilege($1, $2, 'USAGE') AS usage,"
                " has_schema_privilege($1, 'public', 'CREATE') AS public_create",
                role,
                schema,
            )
            assert row["usage"] is (role in (own.migration, own.runtime)), (role, schema)
            assert row["public_create"] is False


def test_no_role_creates_anything_in_the_database(initialised: Database) -> None:
    for role in initialised.all_roles():
        [row] = initialised.query(
            "SELECT has_database_privilege($1, $2, 'CREATE') AS c,"
            " has_database_privilege($1, $2, 'TEMP') AS t",
            role,
            initialised.name,
        )
        assert (row["c"], row["t"]) == (False, False), role


def test_the_runtime_role_has_row_privileges_only(initialised: Database) -> None:
    for schema, roles in initialised.roles.items():
        [schema_create] = initialised.query(
            "SELECT has_schema_privilege($1, $2, 'CREATE') AS c",
            roles.runtime,
            schema,
        )
        assert schema_create["c"] is False
        for table in _tables(initialised, schema):
            qualified = f"{schema}.{table['tablename']}"
            [row] = initialised.query(
                "SELECT array_agg(p ORDER BY p) AS granted FROM unnest($2::text[]) AS p"
                " WHERE has_table_privilege($1, $3, p)",
                roles.runtime,
                ["DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"],
                qualified,
            )
            assert row["granted"] == ["DELETE", "INSERT", "SELECT", "UPDATE"], qualified


def test_the_runtime_role_reads_and_writes_rows(initialised: Database) -> None:
    async def attempt() -> None:
        connection = await asyncpg.connect(initialised.url(initialised.roles["notes"].runtime))
        try:
            note_id = await connection.fetchval(
                "INSERT INTO notes.notes (owner_id, title, description)"
                " VALUES (gen_random_uuid(), 'a title', 'a body') RETURNING id"
            )
            await connection.execute(
                "UPDATE notes.notes SET title = 'changed' WHERE id = $1", note_id
            )
            title = await connection.fetchval(
                "SELECT title FROM notes.notes WHERE id = $1", note_id
            )
            assert title == "changed"
            assert await connection.execute("DELETE FROM notes.notes WHERE id = $1", note_id) == (
                "DELETE 1"
            )
        finally:
            await connection.close()

    asyncio.run(attempt())


FORBIDDEN = [
    "CREATE TABLE {schema}.intruder (id int)",
    "DROP TABLE {schema}.{table}",
    "ALTER TABLE {schema}.{table} ADD COLUMN intruder int",
    "CREATE INDEX intruder ON {schema}.{table} ((1))",
    "TRUNCATE {schema}.{table}",
    "CREATE SCHEMA intruder",
    "CREATE TEMPORARY TABLE intruder (id int)",
    "CREATE SEQUENCE {schema}.intruder",
]


@pytest.mark.parametrize("schema", ["auth", "notes"])
@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_runtime_role_cannot_change_the_schema(
    initialised: Database, schema: str, statement: str
) -> None:
    table = next(
        t["tablename"] for t in _tables(initialised, schema) if t["tablename"] != "alembic_version"
    )

    async def attempt() -> None:
        connection = await asyncpg.connect(initialised.url(initialised.roles[schema].runtime))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement.format(schema=schema, table=table))
        finally:
            await connection.close()

    asyncio.run(attempt())


def test_a_role_cannot_read_the_other_services_tables(initialised: Database) -> None:
    async def attempt(role: str) -> None:
        connection = await asyncpg.connect(initialised.url(role))
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.fetch("SELECT * FROM notes.notes")
        finally:
            await connection.close()

    for role in (initialised.roles["auth"].runtime, initialised.roles["auth"].migration):
        asyncio.run(attempt(role))


def test_other_roles_cannot_connect(initialised: Database) -> None:
    [row] = initialised.query(
        "SELECT has_database_privilege('public', $1, 'CONNECT') AS c",
        initialised.name,
    )
    assert row["c"] is False


@pytest.mark.parametrize("spec", [s for s in services() if s.migrates], ids=lambda s: s.name)
def test_the_runtime_role_sees_the_migration_head(initialised: Database, spec: ServiceSpec) -> None:
    """What the Kubernetes init container `wait-for-migrations` runs, as the service."""
    role = initialised.roles[SCHEMAS[spec.name]].runtime
    output = _alembic(spec.name, spec.settings_prefix, initialised.url(role), "current")
    assert "(head)" in output


def test_the_platform_runs_on_the_runtime_roles(initialised: Database) -> None:
    """Every service started as `make run` starts them, on its runtime role."""
    urls = {
        f"{s.settings_prefix}DATABASE_URL": initialised.url(
            initialised.roles[SCHEMAS[s.name]].runtime
        )
        for s in services()
        if s.migrates
    }
    with tempfile.TemporaryDirectory(prefix="deploy-roles-") as data_dir:
        system = LocalSystem(
            database_url=initialised.url("nobody"),  # every service gets its own URL below
            ports=free_ports(),
            extra_env={**urls, "PLATFORM_DATA_DIR": data_dir},
            quiet=True,
        )
        try:
            system.start_all()
            _use_the_api(system.url("gateway"))
        finally:
            system.stop_all()


def _use_the_api(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10.0) as http:
        email, password = f"roles-{uuid.uuid4().hex[:8]}@example.com", "roles-password-1"
        registered = http.post("/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 202, registered.text
        login = http.post(
            "/auth/token", data={"grant_type": "password", "username": email, "password": password}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        note = {"title": "written", "description": "by the runtime role"}
        created = http.post("/notes/", json=note, headers=headers)
        assert created.status_code == 201, created.text
        path = f"/notes/{created.json()['id']}"
        replaced = http.put(path, json={**note, "title": "rewritten"}, headers=headers)
        assert replaced.status_code == 200, replaced.text
        assert http.delete(path, headers=headers).status_code == 200
        listing = http.get("/notes/", headers=headers)
        assert (listing.status_code, listing.json()) == (200, [])


# ---- backups (deploy/backup.py; deploy/README.md "Backups") -----------------


def _backup_tool(action: str, url: str, file: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "backup.py"), action, "--file", str(file)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_backup_role_reads_every_table_and_writes_none(
    initialised: Database, tmp_path: Path
) -> None:
    _backup_tool("backup", initialised.url(initialised.backup), tmp_path / "platform.dump")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(_fetch(initialised.url(initialised.backup), "DELETE FROM auth.alembic_version"))


def test_a_restore_brings_back_the_owners_and_the_runtime_grants(
    initialised: Database, tmp_path: Path
) -> None:
    """Restored by the administrator into a new database on a server that has
    the roles: each schema is its migration role's again, and each runtime
    role reads and writes its own tables only."""
    dump = tmp_path / "platform.dump"
    _backup_tool("backup", initialised.url(initialised.backup), dump)
    name = f"{initialised.name}_restored"
    restored = Database(initialised.admin_url, name, initialised.roles, initialised.backup)
    asyncio.run(_admin(initialised.admin_url, f'CREATE DATABASE "{name}"'))
    try:
        _backup_tool("restore", restored.admin, dump)
        for schema, roles in restored.roles.items():
            [owner] = restored.query(
                "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1",
                schema,
            )
            assert owner["owner"] == roles.migration
            for other, other_roles in restored.roles.items():
                [grant] = restored.query(
                    "SELECT has_table_privilege($1, $2, 'INSERT') AS insert",
                    other_roles.runtime,
                    f"{schema}.alembic_version",
                )
                assert grant["insert"] is (other == schema), (other_roles.runtime, schema)
    finally:
        asyncio.run(_admin(initialised.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
