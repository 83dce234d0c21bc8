"""The Python client (clients/python) from the API.

- `make client` (`write`): `notes_platform/openapi.json`, the gateway's merged
  document, built offline as the gateway builds it (gateway.openapi_merge)
  from its own routes and the services' committed documents, then the
  generated code for it. The document is committed and shipped in the
  package: the mock kit (notes_platform.testing) checks requests and answers
  against it.
- `make client-check` (`check`, part of `make test`): fails when the committed
  document is not what `write` builds.
- `code`: the generated code (`notes_platform/_generated`, not committed),
  written by clients/python/client_build.py from the committed document
  unless it already is that document's code. Every build of the package
  (the editable install of `make`) and the Makefile's targets that import the
  client run it, so a pull that changes the document regenerates it.

The hand-written layer (the rest of `notes_platform`) is never touched.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

from export_openapi import ROOT, public_paths, render
from services import SERVICES

CLIENT = ROOT / "clients" / "python"
# The client's build backend generates the code; it lives beside its pyproject.toml.
sys.path.insert(0, str(CLIENT))
import client_build as client_build  # noqa: E402

DOCUMENT = client_build.DOCUMENT


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


def write() -> None:
    DOCUMENT.write_text(render(merged_document()))
    client_build.write_generated(force=True)
    print(f"wrote {DOCUMENT.relative_to(ROOT)} and {client_build.GENERATED.relative_to(ROOT)}/")


def code() -> None:
    if client_build.write_generated():
        generated = client_build.GENERATED.relative_to(ROOT)
        print(f"wrote {generated}/ from {DOCUMENT.relative_to(ROOT)}")


def check() -> int:
    if DOCUMENT.exists() and DOCUMENT.read_text() == render(merged_document()):
        print("the Python client's document matches the committed OpenAPI documents")
        return 0
    document = DOCUMENT.relative_to(ROOT)
    print(f"{document}: not what `make client` writes from the committed documents")
    print("the Python client is stale: run `make client` and commit its document")
    return 1


COMMANDS = {"write": write, "code": code}


def main(arguments: list[str]) -> int:
    if arguments == ["check"]:
        return check()
    if len(arguments) == 1 and arguments[0] in COMMANDS:
        COMMANDS[arguments[0]]()
        return 0
    print("usage: python_client.py write|code|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
