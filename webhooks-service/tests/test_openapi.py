import json

from fastapi import FastAPI

from platform_common.testing.contract import json_bodies_not_documenting
from platform_common.testing.dependencies import sync_dependencies
from tests.conftest import SERVICE_ROOT


def test_committed_document_matches_the_code(app: FastAPI) -> None:
    """The committed openapi.json is the contract; change it on purpose (`make openapi`)."""
    committed = json.loads((SERVICE_ROOT / "openapi.json").read_text())
    assert app.openapi() == committed


def test_routes_live_under_webhooks_and_internal(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert {"/internal/events", "/internal/users/{user_id}/endpoints"} <= set(paths)
    assert all(p.startswith(("/webhooks", "/internal", "/ping", "/health")) for p in paths)


def test_no_dependency_runs_in_the_thread_pool(app: FastAPI) -> None:
    assert sync_dependencies(app) == []


def test_every_json_body_documents_415(app: FastAPI) -> None:
    assert json_bodies_not_documenting(app.openapi(), 415) == []
