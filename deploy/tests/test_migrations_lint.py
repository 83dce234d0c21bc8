"""`make migrations-lint` (deploy/migrations_lint.py): a new migration that
would stall the service fails; one written as docs/migrations.md says passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import migrations_lint
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

NOTES_SERVICE = migrations_lint.ROOT / "notes-service"
NOTES_CUTOFF = "9d41e6b2a7c3"


def _notes_head() -> str:
    config = Config(str(NOTES_SERVICE / "alembic.ini"))
    config.set_main_option("script_location", str(NOTES_SERVICE / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


# The new migration chains onto notes-service's current head.
NOTES_HEAD = _notes_head()

HEADER = f'''
import sqlalchemy as sa
from alembic import op

from platform_common.migration_helpers import create_index_concurrently

revision = "0badc0ffee01"
down_revision = "{NOTES_HEAD}"


def downgrade() -> None:
    pass
'''

# A column added NOT NULL to a table with rows, an index built while writes
# wait, and a rename the previous release's queries would fail on.
BAD = """
def upgrade() -> None:
    op.add_column("notes", sa.Column("colour", sa.Text(), nullable=False), schema="notes")
    op.create_index("ix_notes_title", "notes", ["title"], schema="notes")
    op.alter_column("notes", "description", new_column_name="body", schema="notes")
"""

GOOD = """
def upgrade() -> None:
    op.add_column(
        "notes", sa.Column("colour", sa.Text(), nullable=True), schema="notes", if_not_exists=True
    )
    create_index_concurrently("ix_notes_title", "notes", ["title"], schema="notes")
"""


def service_with(tmp_path: Path, body: str) -> Path:
    """notes-service's Alembic set-up and history, plus one new migration."""
    root = tmp_path / "notes-service"
    root.mkdir()
    shutil.copy(NOTES_SERVICE / "alembic.ini", root)
    shutil.copytree(
        NOTES_SERVICE / "migrations",
        root / "migrations",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (root / "migrations" / "versions" / "2099-01-01_new.py").write_text(HEADER + body)
    return root


def findings(root: Path) -> list[migrations_lint.Finding]:
    return list(migrations_lint.lint({"notes-service": root}, {"notes-service": NOTES_CUTOFF}))


def test_a_migration_that_would_stall_the_service_fails(tmp_path: Path) -> None:
    [finding] = findings(service_with(tmp_path, BAD))
    assert finding.migration == "notes-service/2099-01-01_new"
    for rule in ("adding-required-field", "require-concurrent-index-creation", "renaming-column"):
        assert rule in finding.report


def test_a_migration_written_as_the_docs_say_passes(tmp_path: Path) -> None:
    assert findings(service_with(tmp_path, GOOD)) == []


def test_only_migrations_after_the_cutoff_are_linted(tmp_path: Path) -> None:
    root = service_with(tmp_path, GOOD)
    linted = migrations_lint.migrations_to_lint(root, NOTES_HEAD)
    assert [each.script.revision for each in linted] == ["0badc0ffee01"]
    after_cutoff = migrations_lint.migrations_to_lint(root, NOTES_CUTOFF)
    assert after_cutoff[-1].script.revision == "0badc0ffee01"
    assert NOTES_CUTOFF not in [each.script.revision for each in after_cutoff]
    with pytest.raises(ValueError, match="not in its history"):
        migrations_lint.migrations_to_lint(root, "000000000000")


def test_the_committed_migrations_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert migrations_lint.main() == 0
    assert "0 with findings" in capsys.readouterr().out
