"""Write each upstream service's OpenAPI document to `<service>/openapi.json`, and
the gateway's route labels from them.

The committed documents are the services' HTTP contracts: contract tests check
their mocks against them, and each service's suite fails when its live document
drifts from the committed one. The gateway labels its metrics with the paths
each of its platform upstreams (gateway/gateway/upstreams.py) serves in them:
`gateway/gateway/route_templates.json`. Run `make openapi` after changing an API.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services import SERVICES

ROOT = Path(__file__).resolve().parents[1]
# Read by gateway/gateway/route_labels.py.
ROUTE_TEMPLATES = ROOT / "gateway" / "gateway" / "route_templates.json"


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def route_templates(documents: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The paths of `documents` (by service name) the gateway forwards, sorted."""
    # Imported by name, as the services' apps are: deploy/ is no package of theirs.
    upstreams = importlib.import_module("gateway.upstreams").PLATFORM_UPSTREAMS
    return sorted(
        path
        for upstream in upstreams
        if upstream.name in documents
        for path in documents[upstream.name]["paths"]
        if upstream.exposes(path)
    )


def main() -> None:
    documents: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        if not service.upstream or not service.exists:
            continue
        module = importlib.import_module(f"{service.package}.main")
        document = module.create_app().openapi()
        (service.folder / "openapi.json").write_text(render(document))
        print(f"wrote {service.name}/openapi.json")
        documents[service.name] = document
    templates = {
        "written_by": "make openapi (deploy/export_openapi.py); do not edit",
        "templates": route_templates(documents),
    }
    ROUTE_TEMPLATES.write_text(render(templates))
    print(f"wrote {ROUTE_TEMPLATES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
