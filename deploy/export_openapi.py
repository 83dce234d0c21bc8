"""Write each service's OpenAPI document to `<service>/openapi.json`.

The committed documents are the services' HTTP contracts: contract tests check
their mocks against them, and each service's suite fails when its live document
drifts from the committed one. Run `make openapi` after changing an API.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"notes-service": "notes_service.main", "auth-service": "auth_service.main"}


def render(document: dict[str, object]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    for folder, module_name in SERVICES.items():
        if not (ROOT / folder / "pyproject.toml").exists():
            continue
        module = importlib.import_module(module_name)
        document = module.create_app().openapi()
        (ROOT / folder / "openapi.json").write_text(render(document))
        print(f"wrote {folder}/openapi.json")


if __name__ == "__main__":
    main()
