"""`make backup` and `make restore`: the platform's database in pg_dump's custom format.

    make backup                         # DATABASE_URL, or the embedded Postgres of `make run`
    make backup BACKUP_FILE=path.dump   # default: $PLATFORM_DATA_DIR/backups/<UTC time>.dump
    make restore BACKUP_FILE=path.dump  # into DATABASE_URL (or the embedded one), empty

A backup is one consistent snapshot of the whole database (both services'
schemas, their version tables, owners and grants) taken while the platform
serves: pg_dump reads in one repeatable-read transaction and blocks no
writer. It is written beside its final name and renamed once pg_restore has
read it back. A restore goes into a database that holds no table yet (a new
one; the empty schemas deploy/postgres/init-roles.sh creates are replaced),
in one transaction: it fails whole or succeeds whole. Then the planner's
statistics are gathered (pg_restore leaves none).

Without DATABASE_URL, the embedded server of `make run` (`PLATFORM_DATA_DIR`)
is joined if it runs, or started for the time of the command. pg_dump and
pg_restore come from `PG_BIN` if set, else from the `pgserver` package (the
embedded server's own version), else from the PATH. deploy/README.md
("Backups") says which role to run them as.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from platform_common.embedded_postgres import data_dir, start_embedded_postgres

# Tables already there make a database no place to restore into.
USER_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
"""


class BackupError(Exception):
    """Something an operator must fix; its message says what."""


def pg_tool(name: str) -> str:
    """The pg_dump or pg_restore to run (see the module's docstring)."""
    explicit = os.environ.get("PG_BIN")
    if explicit:
        candidate = Path(explicit) / name
        if not candidate.is_file():
            raise BackupError(f"PG_BIN={explicit} holds no {name}")
        return str(candidate)
    # Found, not imported: importing pgserver sets up its server machinery.
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "pginstall" / "bin" / name
        if bundled.is_file():
            return str(bundled)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"no {name}: install PostgreSQL's client tools or set PG_BIN")
    return found


class Target:
    """A database to dump or restore into, for libpq's tools: the URL without
    its password, which goes in PGPASSWORD (an argument is visible to every
    local user in the process list)."""

    def __init__(self, url: str, *, label: str | None = None) -> None:
        parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        self.url = parts.geturl()
        self.password = unquote(parts.password) if parts.password else None
        host = parts.netloc.rpartition("@")[2]
        userinfo = parts.netloc.rpartition("@")[0].partition(":")[0]
        netloc = f"{userinfo}@{host}" if userinfo else host
        self.url_without_password = urlunsplit(parts._replace(netloc=netloc))
        # For messages: no user, no password.
        self.shown = label or f"{host}{parts.path}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    def run(self, tool: str, *arguments: str) -> None:
        command = [pg_tool(tool), *arguments]
        result = subprocess.run(command, env=self.environment(), check=False)
        if result.returncode != 0:
            raise BackupError(f"{tool} failed (exit status {result.returncode}): see above")


@contextmanager
def target_database() -> Iterator[Target]:
    """DATABASE_URL, or the embedded server (joined, or started until the block ends)."""
    explicit = os.environ.get("DATABASE_URL", "").strip()
    if explicit:
        yield Target(explicit)
        return
    server = start_embedded_postgres()
    try:
        yield Target(str(server.get_uri()), label=f"the embedded Postgres ({server.pgdata})")
    finally:
        server.cleanup()  # stops it only if no other process (make run) uses it


def default_backup_file() -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return data_dir() / "backups" / f"notes-platform-{stamp}.dump"


def backup(target: Target, file: Path) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    target.run(
        "pg_dump", "--format=custom", f"--file={partial}", f"--dbname={target.url_without_password}"
    )
    # Read back before it takes the final name: a truncated file never does.
    listing = subprocess.run(
        [pg_tool("pg_restore"), "--list", str(partial)], capture_output=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"the dump {partial} cannot be read back: {listing.stderr.decode()}")
    partial.rename(file)


async def _count_tables(target: Target) -> int:
    connection = await asyncpg.connect(target.url)
    try:
        count: int = await connection.fetchval(USER_TABLES)
        return count
    finally:
        await connection.close()


async def _analyze(target: Target) -> None:
    connection = await asyncpg.connect(target.url)
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def restore(target: Target, file: Path) -> None:
    if not file.is_file():
        raise BackupError(f"no backup file {file}")
    tables = asyncio.run(_count_tables(target))
    if tables:
        raise BackupError(
            f"{target.shown} already holds {tables} table(s): restore into an empty database "
            "(createdb a new one, or for the embedded server a new PLATFORM_DATA_DIR)"
        )
    target.run(
        "pg_restore",
        "--exit-on-error",
        "--single-transaction",
        # Drops what is there first: the empty schemas init-roles.sh creates.
        "--clean",
        "--if-exists",
        f"--dbname={target.url_without_password}",
        str(file),
    )
    asyncio.run(_analyze(target))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("backup", "restore"))
    parser.add_argument("--file", type=Path, help="the backup file (restore: required)")
    arguments = parser.parse_args(argv)
    if arguments.action == "restore" and arguments.file is None:
        parser.error("restore needs --file (make restore BACKUP_FILE=...)")
    try:
        with target_database() as target:
            if arguments.action == "backup":
                file = arguments.file or default_backup_file()
                backup(target, file)
                print(f"backup | {target.shown} written to {file}", flush=True)
            else:
                restore(target, arguments.file)
                print(f"restore | {arguments.file} restored into {target.shown}", flush=True)
    except BackupError as exc:
        print(f"{arguments.action} | {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
