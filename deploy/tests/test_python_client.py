"""The Python client: `make client-check` (the committed document is what
`make client` builds) and its generated code, written by every build."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import python_client

# The client's build backend, which python_client imports from clients/python.
client_build = python_client.client_build


@pytest.fixture
def committed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The client's folder as committed (no generated code), copied where the
    test may change it."""
    copy = tmp_path / "python"
    shutil.copytree(
        client_build.HERE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "_generated", "*.egg-info", "build"),
    )
    package = copy / "notes_platform"
    monkeypatch.setattr(python_client, "DOCUMENT", package / "openapi.json")
    monkeypatch.setattr(python_client, "ROOT", tmp_path)
    monkeypatch.setattr(client_build, "DOCUMENT", package / "openapi.json")
    monkeypatch.setattr(client_build, "GENERATED", package / "_generated")
    return copy


def test_the_committed_document_is_fresh(committed_copy: Path) -> None:
    assert python_client.check() == 0


def test_a_stale_document_fails(committed_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = committed_copy / "notes_platform" / "openapi.json"
    document.write_text(document.read_text().replace('"notes-list"', '"list-notes"'))
    assert python_client.check() == 1
    assert "python/notes_platform/openapi.json: not what `make client` writes" in (
        capsys.readouterr().out
    )


def test_a_wheel_built_from_the_committed_files_holds_the_generated_code(
    committed_copy: Path, tmp_path: Path
) -> None:
    # As a consumer installs it: pip builds in an isolated environment with
    # the pinned generator of the build-system table.
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--wheel-dir", str(tmp_path / "wheels"), str(committed_copy)),
        ],
        check=True,
    )
    (wheel,) = (tmp_path / "wheels").glob("notes_platform_client-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "notes_platform/_generated/api/notes/notes_list.py" in names
    assert "notes_platform/_generated/models/note_write.py" in names


def test_the_code_is_written_again_only_when_its_inputs_change(committed_copy: Path) -> None:
    generated = committed_copy / "notes_platform" / "_generated"
    assert client_build.write_generated() is True
    listing = generated / "api" / "notes" / "notes_list.py"
    assert listing.is_file()
    assert client_build.write_generated() is False

    document = committed_copy / "notes_platform" / "openapi.json"
    document.write_text(document.read_text().replace('"notes-list"', '"list-notes"'))
    assert client_build.write_generated() is True
    assert not listing.exists()
    assert (generated / "api" / "notes" / "list_notes.py").is_file()
