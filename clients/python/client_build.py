"""The client's build backend: setuptools', with `notes_platform/_generated` written first.

`notes_platform/_generated` is openapi-python-client's code for the shipped
document (`notes_platform/openapi.json`, committed), with our settings
(`generator.yaml`) and templates (`templates/`). It is not committed: every
build (wheel, sdist, editable install) writes it from those committed inputs,
so the code cannot drift from the document and is never reviewed twice.
`make client` (deploy/python_client.py) calls the same `write_generated`.

A folder already written from the same inputs is kept: `.inputs` in it holds
the inputs' digest.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403  (the other PEP 517 hooks, as setuptools has them)

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "notes_platform"
DOCUMENT = PACKAGE / "openapi.json"
GENERATED = PACKAGE / "_generated"
CONFIG = HERE / "generator.yaml"
TEMPLATES = HERE / "templates"
DIGEST = ".inputs"


def inputs_digest() -> str:
    """What the generated code depends on: the document, our settings and
    templates, and the generator's version."""
    from importlib.metadata import version

    digest = hashlib.sha256(version("openapi-python-client").encode())
    for path in [DOCUMENT, CONFIG, *sorted(TEMPLATES.rglob("*.jinja"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def generate(document: Path, into: Path) -> Path:
    """openapi-python-client's package for `document`, written under `into`
    (a scratch folder, so its formatting hooks run with the same settings
    wherever the checkout is)."""
    output = into / "_generated"
    # Its formatting hooks run the ruff beside this interpreter (the virtualenv's, pinned).
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    done = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(document), "--meta", "none", "--config", str(CONFIG)),
            *("--custom-template-path", str(TEMPLATES), "--output-path", str(output)),
            "--fail-on-warning",
        ],
        check=False,
        cwd=into,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
    )
    if done.returncode != 0:
        raise SystemExit(f"openapi-python-client failed:\n{done.stdout}{done.stderr}")
    return output


def write_generated(*, force: bool = False) -> bool:
    """Write `_generated` from the committed inputs unless it already is
    their code; True when it wrote."""
    digest = inputs_digest()
    marker = GENERATED / DIGEST
    if not force and marker.is_file() and marker.read_text() == digest:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(DOCUMENT, Path(scratch))
        (fresh / DIGEST).write_text(digest)
        shutil.rmtree(GENERATED, ignore_errors=True)
        shutil.copytree(fresh, GENERATED)
    return True


def _generating_first(hook: Callable[..., Any]) -> Callable[..., str]:
    """setuptools' build hook, run once `_generated` is written."""

    @functools.wraps(hook)
    def build(*arguments: Any, **keywords: Any) -> str:
        write_generated()
        return str(hook(*arguments, **keywords))

    return build


build_wheel = _generating_first(build_meta.build_wheel)
build_editable = _generating_first(build_meta.build_editable)
build_sdist = _generating_first(build_meta.build_sdist)
