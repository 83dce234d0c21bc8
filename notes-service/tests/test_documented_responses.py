"""Every answer a notes route gives is in the committed document, body included.

Regression tests for what the schemathesis run through the gateway
(tests-e2e/test_fuzz.py) found: 401, 403 and the 400 of an undecodable body
were answered but not documented, so clients and the gateway's contract
mocks could not rely on them.
"""

import httpx
import pytest

from platform_common.testing.contract import Contract
from platform_common.testing.issuer import TokenIssuer, User

CONTRACT = Contract("notes-service", "http://notes.test")
NOTE = {"title": "something", "description": "something else"}
NOT_UTF8 = b'{"title": "\xff\xda\x9b", "description": "x"}'
OPERATIONS = [
    ("POST", "/notes", "/notes/"),
    ("GET", "/notes", "/notes/"),
    ("GET", "/notes/{note_id}", "/notes/1/"),
    ("PUT", "/notes/{note_id}", "/notes/1/"),
    ("PATCH", "/notes/{note_id}", "/notes/1/"),
    ("DELETE", "/notes/{note_id}", "/notes/1/"),
]


def conforms(method: str, template: str, response: httpx.Response) -> None:
    CONTRACT.validate(method, template, response.status_code, response.json())


@pytest.mark.parametrize(("method", "template", "path"), OPERATIONS)
class TestDocumentedRefusals:
    async def test_no_token_is_documented_401(
        self, client: httpx.AsyncClient, method: str, template: str, path: str
    ) -> None:
        response = await client.request(method, path, json=NOTE)
        assert response.status_code == 401
        conforms(method, template, response)

    async def test_revoked_or_invalid_token_is_documented_401(
        self, client: httpx.AsyncClient, method: str, template: str, path: str
    ) -> None:
        headers = {"Authorization": "Bearer not-a-jwt"}
        response = await client.request(method, path, json=NOTE, headers=headers)
        assert response.status_code == 401
        conforms(method, template, response)

    async def test_token_without_notes_scope_is_documented_403(
        self,
        client: httpx.AsyncClient,
        issuer: TokenIssuer,
        method: str,
        template: str,
        path: str,
    ) -> None:
        token = issuer.token("auth-service", scope="notes:purge", aud="notes-service")
        headers = {"Authorization": f"Bearer {token}"}
        response = await client.request(method, path, json=NOTE, headers=headers)
        assert response.status_code == 403
        conforms(method, template, response)


class TestUndecodableBody:
    """schemathesis sent `\\xff\\xda\\x9b\\t(` as JSON: FastAPI answers 400, not 422."""

    async def test_create(self, client: httpx.AsyncClient, alice: User) -> None:
        headers = {**alice.headers, "Content-Type": "application/json"}
        response = await client.post("/notes/", content=NOT_UTF8, headers=headers)
        assert response.status_code == 400
        conforms("POST", "/notes", response)

    async def test_replace(self, client: httpx.AsyncClient, alice: User) -> None:
        created = await client.post("/notes/", json=NOTE, headers=alice.headers)
        headers = {**alice.headers, "Content-Type": "application/json"}
        path = f"/notes/{created.json()['id']}/"
        response = await client.put(path, content=NOT_UTF8, headers=headers)
        assert response.status_code == 400
        conforms("PUT", "/notes/{note_id}", response)
        unchanged = await client.get(path, headers=alice.headers)
        assert unchanged.json()["title"] == NOTE["title"]


class TestNotFound:
    @pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
    async def test_body_matches_its_schema(
        self, client: httpx.AsyncClient, alice: User, method: str
    ) -> None:
        response = await client.request(method, "/notes/999999/", json=NOTE, headers=alice.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "Note not found"}
        conforms(method, "/notes/{note_id}", response)


class TestApiConsumerAnswers:
    """The answers of issue 14's rules, each against the committed document."""

    async def test_precondition_failed(self, client: httpx.AsyncClient, alice: User) -> None:
        created = await client.post("/notes/", json=NOTE, headers=alice.headers)
        path = f"/notes/{created.json()['id']}"
        for method in ("PUT", "PATCH", "DELETE"):
            headers = {**alice.headers, "If-Match": '"0.0"'}
            response = await client.request(method, path, json=NOTE, headers=headers)
            assert response.status_code == 412
            conforms(method, "/notes/{note_id}", response)

    async def test_idempotency_key_reused(self, client: httpx.AsyncClient, alice: User) -> None:
        headers = {**alice.headers, "Idempotency-Key": "k"}
        await client.post("/notes/", json=NOTE, headers=headers)
        response = await client.post("/notes/", json={**NOTE, "title": "other"}, headers=headers)
        assert response.status_code == 422
        conforms("POST", "/notes", response)

    async def test_unsupported_patch_media_type(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        headers = {**alice.headers, "Content-Type": "text/plain"}
        response = await client.patch("/notes/1", content=b"{}", headers=headers)
        assert response.status_code == 415
        conforms("PATCH", "/notes/{note_id}", response)

    async def test_bad_cursor(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.get("/notes/?cursor=abc", headers=alice.headers)
        assert response.status_code == 422
        conforms("GET", "/notes", response)
