import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from respx.models import AllMockedAssertionError

from platform_common.testing.contract import REPO_ROOT, Contract, ContractViolation, path_matches

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/things/{thing_id}": {
            "delete": {
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}
                        }
                    },
                    "404": {"description": "no such thing"},
                }
            },
            "put": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}
                    }
                },
                "responses": {"204": {"description": "replaced"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Gone": {
                "type": "object",
                "properties": {"deleted": {"type": "integer"}},
                "required": ["deleted"],
            }
        }
    },
}
TEMPLATE = "/things/{thing_id}"


@pytest.fixture
def contract(tmp_path: Path) -> Contract:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(DOCUMENT))
    return Contract("things", "http://things.test/", document_path=path)


class TestPathMatches:
    def test_fits(self) -> None:
        assert path_matches(TEMPLATE, "/things/42")
        assert path_matches("/a/{x}/b/{y}", "/a/1/b/2")

    @pytest.mark.parametrize("path", ["/things/", "/things/1/2", "/thingsX/1", "/other/1"])
    def test_does_not_fit(self, path: str) -> None:
        assert not path_matches(TEMPLATE, path)


class TestValidateRequest:
    def test_accepted_body(self, contract: Contract) -> None:
        contract.validate_request("PUT", TEMPLATE, {"deleted": 3})

    def test_refused_body(self, contract: Contract) -> None:
        with pytest.raises(ContractViolation, match=r"PUT /things/\{thing_id\} request: .*integer"):
            contract.validate_request("PUT", TEMPLATE, {"deleted": "3"})

    def test_operation_without_a_json_body(self, contract: Contract) -> None:
        with pytest.raises(ContractViolation, match="takes no JSON body"):
            contract.validate_request("DELETE", TEMPLATE, {"deleted": 3})


class TestValidate:
    def test_documented_body(self, contract: Contract) -> None:
        contract.validate("DELETE", TEMPLATE, 200, {"deleted": 3})

    def test_ref_resolved_and_checked(self, contract: Contract) -> None:
        with pytest.raises(ContractViolation, match="'deleted' is a required property"):
            contract.validate("DELETE", TEMPLATE, 200, {"removed": 3})
        with pytest.raises(ContractViolation, match="is not of type 'integer'"):
            contract.validate("DELETE", TEMPLATE, 200, {"deleted": "3"})

    def test_unknown_path_or_method(self, contract: Contract) -> None:
        with pytest.raises(ContractViolation, match="not documented"):
            contract.validate("GET", TEMPLATE, 200, {"deleted": 3})
        with pytest.raises(ContractViolation, match="not documented"):
            contract.validate("DELETE", "/thing/{thing_id}", 200, {"deleted": 3})

    def test_undocumented_status(self, contract: Contract) -> None:
        with pytest.raises(ContractViolation, match="never answers 503"):
            contract.validate("DELETE", TEMPLATE, 503, None)

    def test_bodyless_status_allows_only_error_form(self, contract: Contract) -> None:
        contract.validate("DELETE", TEMPLATE, 404, {"detail": "Not found"})
        with pytest.raises(ContractViolation, match="no documented body"):
            contract.validate("DELETE", TEMPLATE, 404, {"deleted": 0})


class TestMocks:
    async def test_route_answers_checked_body(self, contract: Contract) -> None:
        with respx.mock as mock:
            route = contract.route(
                mock, "DELETE", "/things/7", template=TEMPLATE, status=200, json={"deleted": 1}
            )
            async with httpx.AsyncClient() as client:
                response = await client.delete("http://things.test/things/7")
        assert response.json() == {"deleted": 1}
        assert route.call_count == 1

    def test_route_refuses_path_outside_template(self, contract: Contract) -> None:
        with respx.mock as mock, pytest.raises(ContractViolation, match="does not fit"):
            contract.route(
                mock, "DELETE", "/stuff/7", template=TEMPLATE, status=200, json={"deleted": 1}
            )

    async def test_route_template_with_checked_answers(self, contract: Contract) -> None:
        with respx.mock as mock:
            route = contract.route_template(mock, "DELETE", TEMPLATE)
            route.side_effect = [
                httpx.Response(503),
                contract.response("DELETE", TEMPLATE, status=200, json={"deleted": 2}),
            ]
            async with httpx.AsyncClient() as client:
                first = await client.delete("http://things.test/things/a")
                second = await client.delete("http://things.test/things/b")
                with pytest.raises(AllMockedAssertionError):
                    await client.delete("http://things.test/things/b/c")
        assert (first.status_code, second.json()) == (503, {"deleted": 2})

    def test_response_checks_body(self, contract: Contract) -> None:
        with pytest.raises(ContractViolation):
            contract.response("DELETE", TEMPLATE, status=200, json={"deleted": None})


def test_repository_documents_are_found() -> None:
    contract = Contract("notes-service", "http://notes.test")
    assert contract.path == REPO_ROOT / "notes-service" / "openapi.json"
    assert "/internal/users/{user_id}/notes" in contract.document["paths"]
