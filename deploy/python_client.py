"""`make client` writes the Python client (clients/python) from the API; `make
client-check` (part of `make test`) fails when the committed one is stale.

Two generated parts, both committed:

- `notes_platform/openapi.json`: the gateway's merged document, built offline
  as the gateway builds it (gateway.openapi_merge) from its own routes and
  the services' committed documents. Shipped in the package: the mock kit
  (notes_platform.testing) checks requests and answers against it.
- `notes_platform/_generated/`: openapi-python-client's code for that
  document (`--meta none`, config in clients/python/generator.yaml), always
  generated into a temporary folder first, so the generator's formatting
  hook runs with the same settings wherever the checkout is.

The hand-written layer (the rest of `notes_platform`) is never touched.
"""

from __future__ import annotations

import filecmp
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from export_openapi import ROOT, public_paths, render
from services import SERVICES

CLIENT = ROOT / "clients" / "python"
PACKAGE = CLIENT / "notes_platform"
DOCUMENT = PACKAGE / "openapi.json"
GENERATED = PACKAGE / "_generated"
CONFIG = CLIENT / "generator.yaml"
# Our endpoint_module.py.jinja and model.py.jinja in place of the stock ones
# (see their headers).
TEMPLATES = CLIENT / "templates"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def merged_document() -> dict[str, Any]:
    """What the gateway's /openapi.json serves, from the committed documents."""
    gateway = importlib.import_module("gateway.main")
    merge = importlib.import_module("gateway.openapi_merge")
    base = gateway.own_document(gateway.create_app())
    services = [
        merge.ServiceDocument(
            service.name,
            public_paths(service),
            json.loads((service.folder / "openapi.json").read_text()),
        )
        for service in SERVICES
        if service.upstream is not None and service.exists
    ]
    document: dict[str, Any] = merge.merge_documents(base, services)
    return document


def generate(document: Path, into: Path) -> Path:
    """openapi-python-client's package for `document`, written under `into`."""
    output = into / "_generated"
    # Its formatting hooks run this virtualenv's pinned ruff.
    path = os.pathsep.join([str(GENERATOR.parent), os.environ.get("PATH", "")])
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--custom-template-path",
            str(TEMPLATES),
            "--output-path",
            str(output),
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


def differences(left: Path, right: Path) -> list[str]:
    """Files that differ, or are only on one side, below two folders."""
    found: list[str] = []

    def walk(comparison: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in comparison.left_only + comparison.right_only)
        _, mismatch, errors = filecmp.cmpfiles(
            comparison.left, comparison.right, comparison.common_files, shallow=False
        )
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=["__pycache__"]), "")
    return sorted(found)


def write() -> None:
    DOCUMENT.write_text(render(merged_document()))
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(DOCUMENT, Path(scratch))
        shutil.rmtree(GENERATED, ignore_errors=True)
        shutil.copytree(fresh, GENERATED)
    print(f"wrote {DOCUMENT.relative_to(ROOT)} and {GENERATED.relative_to(ROOT)}/")


def check() -> int:
    stale = []
    if not DOCUMENT.exists() or DOCUMENT.read_text() != render(merged_document()):
        stale.append(DOCUMENT.relative_to(ROOT).as_posix())
    with tempfile.TemporaryDirectory() as scratch:
        document = Path(scratch) / "openapi.json"
        document.write_text(render(merged_document()))
        fresh = generate(document, Path(scratch))
        if not GENERATED.is_dir():
            stale.append(GENERATED.relative_to(ROOT).as_posix())
        else:
            prefix = GENERATED.relative_to(ROOT).as_posix()
            stale += [f"{prefix}/{name}" for name in differences(fresh, GENERATED)]
    for name in stale:
        print(f"{name}: not what `make client` writes from the committed documents")
    if stale:
        print("the Python client is stale: run `make client` and commit its output")
        return 1
    print("the Python client matches the committed OpenAPI documents")
    return 0


def main(arguments: list[str]) -> int:
    if arguments == ["write"]:
        write()
        return 0
    if arguments == ["check"]:
        return check()
    print("usage: python_client.py write|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
