import json
from typing import Any

import httpx
import pytest
import respx
from openapi_spec_validator import validate

from gateway.errors import ERROR_SCHEMAS
from gateway.main import create_app
from gateway.openapi_merge import ServiceDocument, merge_documents
from gateway.routing import PublicPaths
from platform_common.scopes import DESCRIPTIONS
from platform_common.testing.contract import Contract
from tests.conftest import AUTH_URL, NOTES_URL, asgi_client, make_settings


def serve_documents(
    mock: respx.MockRouter, auth: dict[str, Any], notes: dict[str, Any]
) -> tuple[respx.Route, respx.Route]:
    # The committed documents are the contract itself: served as they are.
    return (
        mock.get(f"{AUTH_URL}/openapi.json", name="auth-doc").respond(json=auth),
        mock.get(f"{NOTES_URL}/openapi.json", name="notes-doc").respond(json=notes),
    )


@pytest.fixture
def notes_document(
    mock: respx.MockRouter, auth_contract: Contract, notes_contract: Contract
) -> respx.Route:
    """Both committed documents served; notes-service's route, for a test to change or fail."""
    _, notes_route = serve_documents(mock, auth_contract.document, notes_contract.document)
    return notes_route


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


class TestMergedDocument:
    @pytest.mark.usefixtures("notes_document")
    async def test_whole_api_one_scheme_no_internal(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        document = response.json()
        validate(document)
        paths = set(document["paths"])
        assert {"/auth/token", "/auth/register", "/auth/me", "/notes", "/notes/{note_id}"} <= paths
        assert {"/ping", "/health/live", "/health/ready"} <= paths
        assert not [p for p in paths if p.startswith("/internal")]
        outside = {p for p in paths if not p.startswith(("/auth", "/notes", "/ping", "/health"))}
        # auth-service's RFC 8414 metadata where §3.1 puts it, and nothing else.
        assert outside == {"/.well-known/oauth-authorization-server/auth"}
        schemes = document["components"]["securitySchemes"]
        # The scopes the public operations need, described as notes-service does;
        # notes:purge (its internal route's) is not among them.
        assert schemes == {
            "OAuth2": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": "/auth/authorize",
                        "tokenUrl": "/auth/token",
                        "scopes": {
                            "notes:read": DESCRIPTIONS["notes:read"],
                            "notes:write": DESCRIPTIONS["notes:write"],
                            "openid": DESCRIPTIONS["openid"],
                            # POST /auth/leaked-tokens (a scanner's client).
                            "personal_tokens:leaks": DESCRIPTIONS["personal_tokens:leaks"],
                        },
                    }
                },
            }
        }
        for item in document["paths"].values():
            for operation in item.values():
                for requirement in operation.get("security", []):
                    assert set(requirement) == {"OAuth2"}
        notes, note = document["paths"]["/notes"], document["paths"]["/notes/{note_id}"]
        assert notes["get"]["security"] == [{"OAuth2": ["notes:read"]}]
        assert note["get"]["security"] == [{"OAuth2": ["notes:read"]}]
        for operation in (notes["post"], note["put"], note["patch"], note["delete"]):
            assert operation["security"] == [{"OAuth2": ["notes:write"]}]
        # auth-service's account routes need a valid token, no scope.
        assert document["paths"]["/auth/me"]["get"]["security"] == [{"OAuth2": []}]
        schemas = document["components"]["schemas"]
        for ref in refs(document):
            assert ref.startswith("#/components/schemas/")
            assert ref.rsplit("/", 1)[1] in schemas, ref
        assert "PurgeResult" not in refs(document["paths"])
        operation_ids = [
            op["operationId"] for item in document["paths"].values() for op in item.values()
        ]
        assert len(operation_ids) == len(set(operation_ids))
        # Each as its service named it (issue 29): no clash the merge had to prefix.
        assert not [name for name in operation_ids if "__" in name]
        assert {"health-ping", "auth-token", "notes-list", "notes-create"} <= set(operation_ids)

    @pytest.mark.usefixtures("notes_document")
    async def test_proxied_operations_show_the_gateways_own_failures(
        self, client: httpx.AsyncClient, auth_contract: Contract
    ) -> None:
        """503 (no replica answers, with Retry-After) and 504 (too slow): what a
        client must be ready for on every proxied operation (issue 29: the
        Python client retries 503s of idempotent requests)."""
        document = (await client.get("/openapi.json")).json()
        responses = document["paths"]["/notes/{note_id}"]["get"]["responses"]
        assert set(responses["503"]["headers"]) == {"Retry-After"}
        # The services' error schema, shared: not one inline copy per operation.
        for status in ("503", "504"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorDetail"}
        assert document["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
        # A service's own 503 keeps its own description.
        register = document["paths"]["/auth/register"]["post"]["responses"]["503"]
        own = auth_contract.document["paths"]["/auth/register"]["post"]["responses"]["503"]
        assert register["description"] == own["description"]
        assert "504" not in document["paths"]["/health/live"]["get"]["responses"]

    async def test_docs_page_points_at_merged_document(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/docs")
        assert response.status_code == 200
        assert "swagger-ui" in response.text
        assert "'/openapi.json'" in response.text or '"/openapi.json"' in response.text

    async def test_docs_assets_served_locally(self, client: httpx.AsyncClient) -> None:
        page = (await client.get("/docs")).text
        assert "cdn." not in page
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/docs/assets/{asset}" in page
            response = await client.get(f"/docs/assets/{asset}")
            assert response.status_code == 200
            assert len(response.content) > 10_000

    async def test_refreshed_when_a_service_changes(
        self, mock: respx.MockRouter, auth_contract: Contract, notes_contract: Contract
    ) -> None:
        app = create_app(make_settings(openapi_refresh_seconds=0))
        notes = json.loads(json.dumps(notes_contract.document))
        _, notes_route = serve_documents(mock, auth_contract.document, notes)
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            first = (await client.get("/openapi.json")).json()
            assert "/notes/search" not in first["paths"]
            notes["paths"]["/notes/search"] = notes["paths"]["/notes"]
            notes_route.respond(json=notes)
            second = (await client.get("/openapi.json")).json()
            assert "/notes/search" in second["paths"]

    async def test_service_down_keeps_last_document(self, notes_document: respx.Route) -> None:
        app = create_app(make_settings(openapi_refresh_seconds=0))
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            first = (await client.get("/openapi.json")).json()
            notes_document.mock(side_effect=httpx.ConnectError("down"))
            second = await client.get("/openapi.json")
            assert second.status_code == 200
            assert second.json() == first

    async def test_service_never_seen_is_tried_again(
        self, notes_document: respx.Route, notes_contract: Contract
    ) -> None:
        app = create_app(make_settings(openapi_refresh_seconds=3600))
        notes_document.mock(side_effect=httpx.ConnectError("down"))
        async with app.router.lifespan_context(app), asgi_client(app) as client:
            partial = (await client.get("/openapi.json")).json()
            assert "/auth/token" in partial["paths"]
            assert "/notes" not in partial["paths"]
            notes_document.mock(
                side_effect=None, return_value=httpx.Response(200, json=notes_contract.document)
            )
            whole = (await client.get("/openapi.json")).json()
            assert "/notes" in whole["paths"]


def _document(
    name: str, prefix: str, paths: dict[str, Any], components: dict[str, Any]
) -> ServiceDocument:
    """`name`'s document, served under `prefix`."""
    info = {"title": name, "version": "1"}
    document = {"openapi": "3.1.0", "info": info, "paths": paths, "components": components}
    return ServiceDocument(name, PublicPaths((prefix,)), document)


def _service(name: str, prefix: str, schema: dict[str, Any]) -> ServiceDocument:
    return _document(
        name,
        prefix,
        {
            prefix: {
                "get": {
                    "operationId": "read",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            },
                        }
                    },
                    "security": [{"Bearer": []}],
                }
            },
            "/internal/x": {"get": {"responses": {}}},
            "/ping": {"get": {"operationId": "ping", "responses": {}}},
        },
        {
            "schemas": {"Thing": schema},
            "securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer"}},
        },
    )


BASE: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "gw", "version": "1"}}


class TestMergeDocuments:
    def test_clashing_components_prefixed_not_clobbered(self) -> None:
        a = _service("auth-service", "/auth", {"type": "string"})
        b = _service("notes-service", "/notes", {"type": "integer"})
        merged = merge_documents(BASE, [a, b])
        schemas = merged["components"]["schemas"]
        assert schemas["Thing"] == {"type": "string"}
        assert schemas["notes_service__Thing"] == {"type": "integer"}
        notes_ref = merged["paths"]["/notes"]["get"]["responses"]["200"]["content"]
        assert notes_ref["application/json"]["schema"]["$ref"] == (
            "#/components/schemas/notes_service__Thing"
        )
        assert merged["paths"]["/notes"]["get"]["operationId"] == "notes_service__read"
        assert merged["paths"]["/notes"]["get"]["security"] == [{"OAuth2": []}]
        assert set(merged["paths"]) == {"/auth", "/notes"}
        assert list(merged["components"]["securitySchemes"]) == ["OAuth2"]

    def test_identical_components_shared(self) -> None:
        a = _service("auth-service", "/auth", {"type": "string"})
        b = _service("notes-service", "/notes", {"type": "string"})
        merged = merge_documents(BASE, [a, b])
        # The gateway's own error schema (gateway.errors), then the one shared Thing.
        assert list(merged["components"]["schemas"]) == ["ErrorDetail", "Thing"]

    def test_gateway_error_schema_kept_when_a_service_means_another(self) -> None:
        """The gateway's 429/503/504 refer to its ErrorDetail whatever a service calls so."""
        a = _service("auth-service", "/auth", {"type": "string"})
        a.document["components"]["schemas"]["ErrorDetail"] = {"type": "integer"}
        merged = merge_documents(BASE, [a])
        schemas = merged["components"]["schemas"]
        assert schemas["ErrorDetail"] == ERROR_SCHEMAS["ErrorDetail"]
        assert schemas["auth_service__ErrorDetail"] == {"type": "integer"}
        failure = merged["paths"]["/auth"]["get"]["responses"]["504"]
        assert failure["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorDetail"
        }


def _scoped_service(
    name: str, prefix: str, scopes: dict[str, str], needs: dict[str, list[str]]
) -> ServiceDocument:
    """A service whose OAuth2 scheme describes `scopes`; path → the scopes its GET needs."""
    flows = {"password": {"tokenUrl": "/token", "scopes": scopes}}
    return _document(
        name,
        prefix,
        {
            path: {"get": {"operationId": f"get{path}", "security": [{"Login": needed}]}}
            for path, needed in needs.items()
        },
        {"securitySchemes": {"Login": {"type": "oauth2", "flows": flows}}},
    )


class TestMergedScopes:
    def test_requirements_keep_their_scopes(self) -> None:
        a = _scoped_service("a", "/a", {"a:read": "Read a"}, {"/a": ["a:read"], "/a/open": []})
        merged = merge_documents(BASE, [a])
        assert merged["paths"]["/a"]["get"]["security"] == [{"OAuth2": ["a:read"]}]
        assert merged["paths"]["/a/open"]["get"]["security"] == [{"OAuth2": []}]

    def test_scheme_lists_the_scopes_the_operations_need(self) -> None:
        a = _scoped_service(
            "a",
            "/a",
            {"a:read": "Read a", "a:purge": "Internal", "a:unused": "Never needed"},
            {"/a": ["a:read"], "/internal/a": ["a:purge"]},
        )
        b = _scoped_service("b", "/b", {"b:write": "Write b"}, {"/b": ["b:write", "a:read"]})
        merged = merge_documents(BASE, [a, b])
        scheme = merged["components"]["securitySchemes"]["OAuth2"]
        assert scheme == {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/auth/authorize",
                    "tokenUrl": "/auth/token",
                    "scopes": {"a:read": "Read a", "b:write": "Write b"},
                }
            },
        }

    def test_a_scope_no_service_describes_is_listed_undescribed(self) -> None:
        a = _scoped_service("a", "/a", {}, {"/a": ["a:read"]})
        merged = merge_documents(BASE, [a])
        scheme = merged["components"]["securitySchemes"]["OAuth2"]
        assert scheme["flows"]["authorizationCode"]["scopes"] == {"a:read": ""}
