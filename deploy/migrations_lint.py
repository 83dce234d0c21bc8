"""`make migrations-lint`: every new migration's SQL, read by squawk.

Each migration newer than its service's cutoff (`CUTOFFS`) is rendered
offline, on its own (`alembic upgrade --sql <previous>:<revision>`, the way
platform_common.migration_env writes it: lock and statement timeouts first,
then the migration in its transaction), and squawk checks the SQL with the
rules in docs/migrations.md ("Lint"). Any finding fails the run.

The exception list, for what is already applied and cannot change:

- `CUTOFFS`: every migration up to and including this revision ran in
  deployed databases before the linter existed (the history of 2026-11;
  some of it, notes' search index built plainly on `notes.notes`, breaks
  today's rules). Later ones are linted; the cutoff only moves forward.
- `REVISION_EXCEPTIONS`: a linted revision allowed to break a rule, and why
  (a contract step that drops a column a release no longer maps, say).
  Squawk's `-- squawk-ignore` comments cannot be used: Alembic generates
  the SQL.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import Script, ScriptDirectory

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("auth-service", "notes-service", "webhooks-service")
# None: every migration of the service is linted (one born after the linter).
CUTOFFS: Mapping[str, str | None] = {
    "auth-service": "3d7a9c5e2f14",  # 2026-11-29_account_lifecycle
    "notes-service": "9d41e6b2a7c3",  # 2026-11-29_api_consumers
    "webhooks-service": None,
}
REVISION_EXCEPTIONS: Mapping[str, Mapping[str, str]] = {}
# Rules that do not fit this project (docs/migrations.md, "Lint").
EXCLUDED_RULES = (
    # Lengths are part of the models (`String(50)` titles, validated by the
    # API); widening a varchar later rewrites nothing.
    "prefer-text-field",
    # Keys are bigint identities or UUIDs already; small counters (attempts,
    # versions) stay integers on purpose.
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
)
# The oldest Postgres the platform is tested on (the machine's server).
PG_VERSION = "15.0"


@dataclass(frozen=True)
class Migration:
    service: str
    script: Script

    @property
    def name(self) -> str:
        return f"{self.service}/{Path(self.script.path).stem}"


def _config(service_root: Path, output: io.StringIO | None = None) -> Config:
    return Config(service_root / "alembic.ini", output_buffer=output)


def migrations_to_lint(service_root: Path, cutoff: str | None) -> list[Migration]:
    """The service's migrations after `cutoff` (all of them for None), oldest first."""
    script = ScriptDirectory.from_config(_config(service_root))
    newer: list[Migration] = []
    for each in script.walk_revisions():  # newest first
        if each.revision == cutoff:
            return list(reversed(newer))
        newer.append(Migration(service_root.name, each))
    if cutoff is None:
        return list(reversed(newer))
    raise ValueError(f"{service_root.name}: cutoff revision {cutoff} is not in its history")


def render(service_root: Path, migration: Migration) -> str:
    """The SQL that upgrading over this one migration runs (offline, no database)."""
    output = io.StringIO()
    previous = migration.script.down_revision
    assert previous is None or isinstance(previous, str), "merge revisions are not used here"
    revision = migration.script.revision
    span = revision if previous is None else f"{previous}:{revision}"
    command.upgrade(_config(service_root, output), span, sql=True)
    return output.getvalue()


def squawk_command() -> str:
    beside = Path(sys.executable).with_name("squawk")
    return str(beside) if beside.exists() else "squawk"


def squawk(files: Sequence[Path], excluded: Sequence[str]) -> subprocess.CompletedProcess[str]:
    arguments = [squawk_command(), "--reporter", "gcc", f"--pg-version={PG_VERSION}"]
    if excluded:
        arguments.append("--exclude=" + ",".join(excluded))
    return subprocess.run(
        [*arguments, *map(str, files)], capture_output=True, text=True, check=False
    )


@dataclass
class Finding:
    migration: str
    report: str  # squawk's lines, `file:line:column: warning: rule message`


def lint(service_roots: Mapping[str, Path], cutoffs: Mapping[str, str | None]) -> Iterator[Finding]:
    """squawk's findings in every migration newer than its service's cutoff."""
    with tempfile.TemporaryDirectory(prefix="migrations-lint-") as folder:
        for service, root in service_roots.items():
            for migration in migrations_to_lint(root, cutoffs[service]):
                path = Path(folder) / f"{migration.name.replace('/', '__')}.sql"
                path.write_text(render(root, migration))
                allowed = REVISION_EXCEPTIONS.get(migration.script.revision, {})
                result = squawk([path], [*EXCLUDED_RULES, *allowed])
                if result.returncode != 0:
                    yield Finding(migration.name, (result.stdout + result.stderr).strip())


def main() -> int:
    roots = {service: ROOT / service for service in SERVICES}
    linted = sum(len(migrations_to_lint(roots[s], CUTOFFS[s])) for s in SERVICES)
    findings = list(lint(roots, CUTOFFS))
    for finding in findings:
        print(f"{finding.migration}:\n{finding.report}\n")
    print(
        f"migrations-lint: {linted} migration(s) newer than the cutoffs linted, "
        f"{len(findings)} with findings (docs/migrations.md, 'Lint')"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
