"""`make client-check`: the committed Python client is what `make client` writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import python_client


@pytest.fixture
def committed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The committed client, copied where the test may change it."""
    package = tmp_path / "notes_platform"
    shutil.copytree(python_client.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(python_client, "DOCUMENT", package / "openapi.json")
    monkeypatch.setattr(python_client, "GENERATED", package / "_generated")
    monkeypatch.setattr(python_client, "ROOT", tmp_path)
    return package


def test_the_committed_client_is_fresh(committed_copy: Path) -> None:
    assert python_client.check() == 0


def test_a_stale_client_fails(committed_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changed = committed_copy / "_generated" / "api" / "notes" / "notes_list.py"
    changed.write_text(changed.read_text() + "# edited by hand\n")
    (committed_copy / "_generated" / "leftover.py").write_text("")
    document = committed_copy / "openapi.json"
    document.write_text(document.read_text().replace('"notes-list"', '"list-notes"'))
    assert python_client.check() == 1
    out = capsys.readouterr().out
    for name in ("openapi.json", "_generated/api/notes/notes_list.py", "_generated/leftover.py"):
        assert f"notes_platform/{name}: not what `make client` writes" in out
