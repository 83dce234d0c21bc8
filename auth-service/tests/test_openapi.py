import json

from fastapi import FastAPI

from platform_common.testing.contract import json_bodies_not_documenting
from platform_common.testing.dependencies import sync_dependencies
from tests.conftest import SERVICE_ROOT


def test_committed_document_matches_the_code(app: FastAPI) -> None:
    """The committed openapi.json is the contract; change it on purpose (`make openapi`)."""
    committed = json.loads((SERVICE_ROOT / "openapi.json").read_text())
    assert app.openapi() == committed


def test_routes_under_auth(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert {"/auth/token", "/auth/revoke", "/auth/.well-known/jwks.json", "/auth/me"} <= set(paths)
    # /internal/ routes exist for the other services; the gateway never routes them.
    outside = {p for p in paths if not p.startswith(("/auth", "/ping", "/health", "/internal/"))}
    # The one exception: RFC 8414 §3.1's place for the metadata of `<public URL>/auth`.
    assert outside == {"/.well-known/oauth-authorization-server/auth"}


def test_token_endpoint_documented_as_form(app: FastAPI) -> None:
    body = app.openapi()["paths"]["/auth/token"]["post"]["requestBody"]
    assert list(body["content"]) == ["application/x-www-form-urlencoded"]


def test_no_dependency_runs_in_the_thread_pool(app: FastAPI) -> None:
    """Every dependency is `async def`: FastAPI sends a plain `def` one to a thread per request."""
    assert sync_dependencies(app) == []


def test_every_json_body_documents_415(app: FastAPI) -> None:
    """A body of another media type is refused with 415 (platform_common.app)."""
    assert json_bodies_not_documenting(app.openapi(), 415) == []
