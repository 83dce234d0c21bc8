"""Write each upstream service's OpenAPI document to `<service>/openapi.json`, and
the gateway's route labels from them.

The committed documents are the services' HTTP contracts: contract tests check
their mocks against them, and each service's suite fails when its live document
drifts from the committed one. The gateway labels its metrics with the paths
it forwards to each upstream service (deploy/services.py) in them:
`gateway/gateway/route_templates.json`. Run `make openapi` after changing an API.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from services import BUILT_IN, SERVICES, Service

ROOT = Path(__file__).resolve().parents[1]
# Read by gateway/gateway/route_labels.py.
ROUTE_TEMPLATES = ROOT / "gateway" / "gateway" / "route_templates.json"


def public_paths(service: Service) -> Any:
    """The gateway's `PublicPaths` of `service`, an upstream: as its entry
    says, or, built in, as the gateway's own table does."""
    assert service.upstream is not None
    # Imported by name, as the services' apps are: deploy/ is no package of theirs.
    if service.upstream != BUILT_IN:
        routing = importlib.import_module("gateway.routing")
        return routing.PublicPaths(service.upstream.prefixes, service.upstream.exact_paths)
    defaults = importlib.import_module("gateway.upstreams").DEFAULT_UPSTREAMS
    return next(u for u in defaults if u.name == service.name).public_paths


def forwarded(service: Service) -> Callable[[str], bool]:
    """Whether the gateway forwards a path to `service`, an upstream."""
    exposes: Callable[[str], bool] = public_paths(service).exposes
    return exposes


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def route_templates(documents: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The paths of `documents` (by service name) the gateway forwards, sorted."""
    templates = set()
    for service in SERVICES:
        if service.upstream is not None and service.name in documents:
            exposes = forwarded(service)
            templates |= {p for p in documents[service.name]["paths"] if exposes(p)}
    return sorted(templates)


def main() -> None:
    documents: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        if service.upstream is None or not service.exists:
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
