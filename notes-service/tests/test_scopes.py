"""Scopes that mean something: notes:read reads, notes:write writes, `notes` does both.

Every route's scope is checked against the token's `scope` claim here; the
gateway only verifies tokens. A token lacking the scope gets 403 with
RFC 6750 §3.1's challenge and the platform's `{"detail": ...}` body.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from platform_common.testing.issuer import TokenIssuer, User

NOTE = {"title": "something", "description": "something else"}
SCOPES = ("notes:read", "notes:write", "notes:purge")
WRITES = ["POST", "PUT", "PATCH", "DELETE"]
READS = ["GET list", "GET", "HEAD list", "HEAD"]
MEDIA_TYPES = {"PATCH": "application/merge-patch+json"} | dict.fromkeys(
    ["GET", "POST", "PUT", "DELETE"], "application/json"
)


def challenge(scope: str) -> str:
    return f'Bearer error="insufficient_scope", scope="{scope}"'


def with_scope(issuer: TokenIssuer, user: User, scope: str) -> dict[str, str]:
    """`user`'s Authorization header with a token holding exactly `scope`."""
    return {"Authorization": f"Bearer {issuer.token(str(user.id), scope=scope)}"}


async def send(
    client: httpx.AsyncClient, operation: str, note_id: int, headers: dict[str, str]
) -> httpx.Response:
    """One of the notes API's operations, with a body it would accept."""
    method, _, which = operation.partition(" ")
    path = "/notes" if which == "list" or method == "POST" else f"/notes/{note_id}"
    if method in ("POST", "PUT"):
        return await client.request(method, path, json=NOTE, headers=headers)
    if method == "PATCH":
        patch = {**headers, "Content-Type": "application/merge-patch+json"}
        return await client.patch(path, content=json.dumps({"title": "patched"}), headers=patch)
    return await client.request(method, path, headers=headers)


@pytest.fixture
async def note(client: httpx.AsyncClient, alice: User) -> dict[str, Any]:
    """A note of alice's, written with today's `notes` token."""
    response = await client.post("/notes", json=NOTE, headers=alice.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@dataclass
class Scoped:
    """alice, her note, and the client that sends her requests with a token of a chosen scope."""

    client: httpx.AsyncClient
    issuer: TokenIssuer
    alice: User
    note: dict[str, Any]

    async def send(self, operation: str, scope: str) -> httpx.Response:
        headers = with_scope(self.issuer, self.alice, scope)
        return await send(self.client, operation, self.note["id"], headers)

    async def unchanged(self) -> bool:
        listing = await self.client.get("/notes", headers=self.alice.headers)
        return bool(listing.json() == [self.note])


@pytest.fixture
def scoped(
    client: httpx.AsyncClient, issuer: TokenIssuer, alice: User, note: dict[str, Any]
) -> Scoped:
    return Scoped(client, issuer, alice, note)


class TestOneScope:
    """notes:read cannot write, notes:write cannot read: 403 naming the scope
    needed (HEAD's answer has no body), nothing changed."""

    @pytest.mark.parametrize(
        ("operation", "held", "needed"),
        [
            *((operation, "notes:read", "notes:write") for operation in WRITES),
            *((operation, "notes:write", "notes:read") for operation in READS),
        ],
    )
    async def test_refused_without_the_scope_needed(
        self, scoped: Scoped, operation: str, held: str, needed: str
    ) -> None:
        response = await scoped.send(operation, held)
        assert response.status_code == 403
        assert response.headers["WWW-Authenticate"] == challenge(needed)
        if not operation.startswith("HEAD"):
            assert response.json() == {"detail": f"The access token lacks the scope {needed}"}
        assert await scoped.unchanged()


class TestReadScope:
    @pytest.mark.parametrize("operation", READS)
    async def test_can_read(self, scoped: Scoped, operation: str) -> None:
        response = await scoped.send(operation, "notes:read")
        assert response.status_code == 200, response.text
        if operation.startswith("GET"):
            note = scoped.note
            assert response.json() == ([note] if operation.endswith("list") else note)

    async def test_write_refused_before_the_note_is_looked_up(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User
    ) -> None:
        """403, not 404: a reader learns nothing about which notes exist."""
        reader = with_scope(issuer, alice, "notes:read")
        response = await client.delete("/notes/999999999", headers=reader)
        assert response.status_code == 403


class TestWriteScope:
    async def test_can_write(self, scoped: Scoped) -> None:
        for operation, expected in [("POST", 201), ("PUT", 200), ("PATCH", 200), ("DELETE", 200)]:
            response = await scoped.send(operation, "notes:write")
            assert response.status_code == expected, (operation, response.text)
        listing = await scoped.client.get("/notes", headers=scoped.alice.headers)
        assert [n["title"] for n in listing.json()] == [NOTE["title"]]


class TestBothScopes:
    @pytest.mark.parametrize("scope", ["notes", "notes:read notes:write", "openid notes"])
    async def test_every_operation(self, scoped: Scoped, scope: str) -> None:
        for operation in [*READS, "POST", "PUT", "PATCH", "DELETE"]:
            response = await scoped.send(operation, scope)
            assert response.status_code == {"POST": 201}.get(operation, 200), operation


class TestOtherScopes:
    @pytest.mark.parametrize(
        "scope", ["", "openid profile email", "notes:purge", "NOTES", "notes:*", "notes:read:all"]
    )
    async def test_refused_everything(self, scoped: Scoped, scope: str) -> None:
        for operation in [*READS, *WRITES]:
            response = await scoped.send(operation, scope)
            needed = "notes:write" if operation in WRITES else "notes:read"
            assert response.status_code == 403, operation
            assert response.headers["WWW-Authenticate"] == challenge(needed), operation
        assert await scoped.unchanged()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "security" in operation
    ]


class TestDocumentedScopes:
    def test_every_operation_declares_its_scope(self, app: FastAPI) -> None:
        declared = {
            (method, path): operation["security"]
            for method, path, operation in _operations(app.openapi())
        }
        read, write = "notes:read", "notes:write"
        assert declared == {
            ("GET", "/notes"): [{"OAuth2PasswordBearer": [read]}],
            ("POST", "/notes"): [{"OAuth2PasswordBearer": [write]}],
            ("GET", "/notes/{note_id}"): [{"OAuth2PasswordBearer": [read]}],
            ("PUT", "/notes/{note_id}"): [{"OAuth2PasswordBearer": [write]}],
            ("PATCH", "/notes/{note_id}"): [{"OAuth2PasswordBearer": [write]}],
            ("DELETE", "/notes/{note_id}"): [{"OAuth2PasswordBearer": [write]}],
            ("DELETE", "/internal/users/{user_id}/notes"): [
                {"OAuth2PasswordBearer": ["notes:purge"]}
            ],
        }

    def test_every_declared_scope_is_described(self, app: FastAPI) -> None:
        document = app.openapi()
        scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
        described = scheme["flows"]["password"]["scopes"]
        for _, _, operation in _operations(document):
            for requirement in operation["security"]:
                assert set(requirement["OAuth2PasswordBearer"]) <= set(described)

    async def test_the_document_tells_what_is_checked(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, app: FastAPI
    ) -> None:
        """Each operation, asked with a token lacking only its declared scope, names that scope."""
        for method, path, operation in _operations(app.openapi()):
            (needed,) = operation["security"][0]["OAuth2PasswordBearer"]
            others = " ".join(s for s in SCOPES if s != needed)
            token = issuer.token(str(uuid.uuid4()), scope=others, aud="notes-service")
            url = path.format(note_id=1, user_id=uuid.uuid4())
            response = await client.request(
                method,
                url,
                json=NOTE if method in ("POST", "PUT", "PATCH") else None,
                headers={"Authorization": f"Bearer {token}", "Content-Type": MEDIA_TYPES[method]},
            )
            assert response.status_code == 403, (method, path, response.text)
            assert response.headers["WWW-Authenticate"] == challenge(needed), (method, path)
