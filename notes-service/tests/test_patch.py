"""PATCH /notes/{id}: JSON Merge Patch (RFC 7396)."""

import json
from typing import Any

import httpx
import pytest

from platform_common.testing.issuer import User
from tests.test_routes import NOTE, create

MERGE_PATCH = "application/merge-patch+json"


async def patch(
    client: httpx.AsyncClient,
    user: User,
    note_id: int,
    body: bytes,
    content_type: str = MERGE_PATCH,
) -> httpx.Response:
    headers = {**user.headers, "Content-Type": content_type}
    return await client.patch(f"/notes/{note_id}", content=body, headers=headers)


@pytest.fixture
async def note(client: httpx.AsyncClient, alice: User) -> dict[str, Any]:
    """A note of alice's, as created."""
    return await create(client, alice)


class TestPatchNote:
    @pytest.mark.parametrize(
        "content_type", [MERGE_PATCH, "application/json", "application/json; charset=utf-8"]
    )
    async def test_only_given_fields_change(
        self, client: httpx.AsyncClient, alice: User, note: dict[str, Any], content_type: str
    ) -> None:
        response = await patch(client, alice, note["id"], b'{"title": "patched"}', content_type)
        assert response.status_code == 200
        body = response.json()
        assert (body["title"], body["description"]) == ("patched", NOTE["description"])
        assert body["created_date"] == note["created_date"]
        again = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert again.json() == body

    async def test_description_alone(
        self, client: httpx.AsyncClient, alice: User, note: dict[str, Any]
    ) -> None:
        response = await patch(client, alice, note["id"], b'{"description": "new text"}')
        assert (response.json()["title"], response.json()["description"]) == (
            NOTE["title"],
            "new text",
        )

    @pytest.mark.parametrize(
        "body",
        [
            {"title": None},
            {"description": None},
            {"title": "x"},
            {"title": "x" * 51},
            {"title": 5},
            {"title": "nul\x00byte"},
            {"description": "lone \ud800 half"},
            [],
            "text",
            None,
        ],
    )
    async def test_same_validation_as_put(
        self, client: httpx.AsyncClient, alice: User, note: dict[str, Any], body: Any
    ) -> None:
        response = await patch(client, alice, note["id"], json.dumps(body).encode())
        assert response.status_code == 422, response.text
        unchanged = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert unchanged.json() == note

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/json-patch+json", "application/xml", ""]
    )
    async def test_other_media_types_are_415(
        self, client: httpx.AsyncClient, alice: User, note: dict[str, Any], content_type: str
    ) -> None:
        response = await patch(client, alice, note["id"], b'{"title": "patched"}', content_type)
        assert response.status_code == 415
        assert response.headers["Accept-Patch"] == f"{MERGE_PATCH}, application/json"
        unchanged = await client.get(f"/notes/{note['id']}", headers=alice.headers)
        assert unchanged.json() == note

    async def test_missing_and_other_owner(
        self, client: httpx.AsyncClient, alice: User, note: dict[str, Any], bob: User
    ) -> None:
        assert (await patch(client, alice, 999999999, b'{"title": "abc"}')).status_code == 404
        assert (await patch(client, bob, note["id"], b'{"title": "abc"}')).status_code == 404

    async def test_unknown_fields_ignored(
        self, client: httpx.AsyncClient, alice: User, note: dict[str, Any]
    ) -> None:
        response = await patch(client, alice, note["id"], b'{"id": 5, "owner_id": "x"}')
        assert response.status_code == 200
        assert response.json()["id"] == note["id"]
