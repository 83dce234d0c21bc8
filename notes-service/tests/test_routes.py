import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from platform_common.testing.issuer import TokenIssuer, User
from tests.conftest import SERVICE_ROOT

NOTE = {"title": "something", "description": "something else"}
# The answer's fields as the committed contract documents them (a field added
# to notes is added there by `make openapi`, not restated here).
SCHEMAS = json.loads((SERVICE_ROOT / "openapi.json").read_text())["components"]["schemas"]
ANSWERED = set(SCHEMAS["NoteRead"]["properties"])


async def create(client: httpx.AsyncClient, user: User, **body: Any) -> dict[str, Any]:
    response = await client.post("/notes/", json={**NOTE, **body}, headers=user.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestCreateNote:
    async def test_ok(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.post("/notes/", json=NOTE, headers=alice.headers)
        assert response.status_code == 201
        body = response.json()
        assert set(body) == ANSWERED
        assert (body["title"], body["description"]) == (NOTE["title"], NOTE["description"])
        assert body["id"] > 0

    async def test_location_names_the_new_note(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        """RFC 9110 §15.3.2: without Location the created resource would be /notes/ itself."""
        response = await client.post("/notes/", json=NOTE, headers=alice.headers)
        location = response.headers["Location"]
        assert location == f"/notes/{response.json()['id']}"
        read = await client.get(location, headers=alice.headers)
        assert read.json() == response.json()

    async def test_without_trailing_slash(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.post("/notes", json=NOTE, headers=alice.headers)
        assert response.status_code == 201

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"title": "something"},
            {"description": "something"},
            {"title": "1", "description": "bar"},
            {"title": "foo", "description": "1"},
            {"title": "x" * 51, "description": "bar"},
            {"title": "foo", "description": "x" * 51},
            {"title": 123, "description": "bar"},
            {"title": "nul\x00byte", "description": "bar"},
            # A lone surrogate: valid in JSON's escapes, not in UTF-8 (nor in Postgres).
            {"title": "lone \ud800 half", "description": "bar"},
            {"title": "foo", "description": "\udfff"},
        ],
    )
    async def test_invalid_body(
        self, client: httpx.AsyncClient, alice: User, body: dict[str, Any]
    ) -> None:
        # json.dumps escapes what UTF-8 cannot encode (httpx's json= would fail on it).
        headers = {**alice.headers, "Content-Type": "application/json"}
        response = await client.post("/notes/", content=json.dumps(body), headers=headers)
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], list)

    async def test_boundaries_accepted(self, client: httpx.AsyncClient, alice: User) -> None:
        note = await create(client, alice, title="abc", description="x" * 50)
        assert note["title"] == "abc"

    async def test_malformed_json(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.post(
            "/notes/",
            content=b'{"title": ',
            headers={**alice.headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422

    async def test_owner_and_id_fields_ignored(
        self, client: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        note = await create(client, alice, id=999999, owner_id=str(bob.id))
        assert note["id"] != 999999
        other = await client.get(f"/notes/{note['id']}/", headers=bob.headers)
        assert other.status_code == 404
        mine = await client.get(f"/notes/{note['id']}/", headers=alice.headers)
        assert mine.status_code == 200


class TestReadNote:
    async def test_ok(self, client: httpx.AsyncClient, alice: User) -> None:
        note = await create(client, alice)
        for path in (f"/notes/{note['id']}/", f"/notes/{note['id']}"):
            response = await client.get(path, headers=alice.headers)
            assert response.status_code == 200
            assert response.json() == note

    async def test_missing(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.get("/notes/999999999/", headers=alice.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "Note not found"}

    @pytest.mark.parametrize("note_id", ["0", "-1", "abc", "1.5", str(2**63)])
    async def test_invalid_id(self, client: httpx.AsyncClient, alice: User, note_id: str) -> None:
        response = await client.get(f"/notes/{note_id}/", headers=alice.headers)
        assert response.status_code == 422

    @pytest.mark.parametrize(
        "spelling", ["{}.0", "+{}", "0{}", "{}_0", "{}e0", "%20{}", "{}%20", "{}.", "\u0661"]
    )
    @pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
    async def test_only_the_canonical_spelling(
        self, client: httpx.AsyncClient, alice: User, spelling: str, method: str
    ) -> None:
        # Each other spelling of an existing id would be one more metric label
        # at the gateway (and one more cache key anywhere): refused like "abc".
        note = await create(client, alice)
        body = NOTE if method == "PUT" else None
        response = await client.request(
            method, f"/notes/{spelling.format(note['id'])}", json=body, headers=alice.headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["type"] == "int_parsing"
        unchanged = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert unchanged.json() == note

    async def test_other_owner(self, client: httpx.AsyncClient, alice: User, bob: User) -> None:
        note = await create(client, alice)
        response = await client.get(f"/notes/{note['id']}/", headers=bob.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "Note not found"}


class TestListNotes:
    async def test_only_own_notes_with_total(
        self, client: httpx.AsyncClient, alice: User, bob: User
    ) -> None:
        mine = [await create(client, alice, title=f"note {i}") for i in range(3)]
        await create(client, bob)
        response = await client.get("/notes/", headers=alice.headers)
        assert response.status_code == 200
        assert response.json() == mine
        assert response.headers["X-Total-Count"] == "3"

    async def test_empty(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.get("/notes", headers=alice.headers)
        assert response.status_code == 200
        assert response.json() == []
        assert response.headers["X-Total-Count"] == "0"

    async def test_offset_and_limit(self, client: httpx.AsyncClient, alice: User) -> None:
        notes = [await create(client, alice, title=f"note {i}") for i in range(5)]
        response = await client.get("/notes/?offset=1&limit=2", headers=alice.headers)
        assert response.json() == notes[1:3]
        assert response.headers["X-Total-Count"] == "5"

    @pytest.mark.parametrize(
        "query", ["offset=-1", "limit=0", "limit=101", "limit=abc", "offset=x", "limit=-5"]
    )
    async def test_invalid_paging(self, client: httpx.AsyncClient, alice: User, query: str) -> None:
        response = await client.get(f"/notes/?{query}", headers=alice.headers)
        assert response.status_code == 422


async def replace(
    client: httpx.AsyncClient, user: User, note_id: int, **body: str
) -> httpx.Response:
    """PUT `body` as `user` (with the trailing slash, which the route takes too)."""
    return await client.put(f"/notes/{note_id}/", json=body, headers=user.headers)


class TestReplaceNote:
    async def test_ok(self, client: httpx.AsyncClient, alice: User) -> None:
        note = await create(client, alice)
        response = await replace(client, alice, note["id"], title="new title", description="new")
        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["title"], body["description"]) == (note["id"], "new title", "new")
        assert body["created_date"] == note["created_date"]
        again = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert again.json() == body

    async def test_partial_body_refused(self, client: httpx.AsyncClient, alice: User) -> None:
        note = await create(client, alice)
        response = await replace(client, alice, note["id"], title="only title")
        assert response.status_code == 422

    async def test_missing(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.put("/notes/999999999/", json=NOTE, headers=alice.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "Note not found"}

    async def test_invalid_id(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.put("/notes/0/", json=NOTE, headers=alice.headers)
        assert response.status_code == 422

    async def test_other_owner(self, client: httpx.AsyncClient, alice: User, bob: User) -> None:
        note = await create(client, alice)
        response = await replace(client, bob, note["id"], title="stolen", description="stolen")
        assert response.status_code == 404
        unchanged = await client.get(f"/notes/{note['id']}/", headers=alice.headers)
        assert unchanged.json()["title"] == NOTE["title"]


class TestDeleteNote:
    async def test_ok(self, client: httpx.AsyncClient, alice: User) -> None:
        note = await create(client, alice)
        response = await client.delete(f"/notes/{note['id']}/", headers=alice.headers)
        assert response.status_code == 200
        assert response.json() == note
        gone = await client.get(f"/notes/{note['id']}/", headers=alice.headers)
        assert gone.status_code == 404

    async def test_missing(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.delete("/notes/999999999", headers=alice.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "Note not found"}

    async def test_invalid_id(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.delete("/notes/-3/", headers=alice.headers)
        assert response.status_code == 422

    async def test_other_owner(self, client: httpx.AsyncClient, alice: User, bob: User) -> None:
        note = await create(client, alice)
        response = await client.delete(f"/notes/{note['id']}/", headers=bob.headers)
        assert response.status_code == 404
        still = await client.get(f"/notes/{note['id']}/", headers=alice.headers)
        assert still.status_code == 200


class TestPurgeUserNotes:
    async def test_needs_purge_scope(
        self, client: httpx.AsyncClient, alice: User, issuer: TokenIssuer
    ) -> None:
        await create(client, alice)
        response = await client.delete(f"/internal/users/{alice.id}/notes", headers=alice.headers)
        assert response.status_code == 403
        assert "insufficient_scope" in response.headers["WWW-Authenticate"]
        listing = await client.get("/notes/", headers=alice.headers)
        assert listing.headers["X-Total-Count"] == "1"

    async def test_purges_only_that_user_and_is_idempotent(
        self, client: httpx.AsyncClient, alice: User, bob: User, issuer: TokenIssuer
    ) -> None:
        for _ in range(2):
            await create(client, alice)
        await create(client, bob)
        service = {
            "Authorization": "Bearer "
            + issuer.token("auth-service", scope="notes:purge", aud="notes-service")
        }
        first = await client.delete(f"/internal/users/{alice.id}/notes", headers=service)
        assert (first.status_code, first.json()) == (200, {"deleted": 2})
        again = await client.delete(f"/internal/users/{alice.id}/notes", headers=service)
        assert (again.status_code, again.json()) == (200, {"deleted": 0})
        bobs = await client.get("/notes/", headers=bob.headers)
        assert bobs.headers["X-Total-Count"] == "1"

    @pytest.mark.parametrize(
        "spelling", [str.upper, lambda u: u.replace("-", ""), "{{{}}}".format, "urn:uuid:{}".format]
    )
    async def test_only_the_canonical_user_id(
        self,
        client: httpx.AsyncClient,
        alice: User,
        issuer: TokenIssuer,
        spelling: Callable[[str], str],
    ) -> None:
        await create(client, alice)
        service = {
            "Authorization": "Bearer "
            + issuer.token("auth-service", scope="notes:purge", aud="notes-service")
        }
        response = await client.delete(
            f"/internal/users/{spelling(str(alice.id))}/notes", headers=service
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["type"] == "uuid_parsing"
        listing = await client.get("/notes/", headers=alice.headers)
        assert listing.headers["X-Total-Count"] == "1"

    async def test_service_token_cannot_use_user_routes(
        self, client: httpx.AsyncClient, issuer: TokenIssuer
    ) -> None:
        token = issuer.token("auth-service", scope="notes:purge", aud="notes-service")
        response = await client.get("/notes/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    """The shared health routes themselves are tested in common/tests."""
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": {"ok": True}}
