"""ETag, If-None-Match and If-Match (RFC 9110 §8.8.3, §13) on the note routes."""

from typing import Any

import httpx
import pytest

from notes_service.conditional import parse_entity_tags, parse_if_match
from platform_common.testing.issuer import User
from tests.test_routes import NOTE, create

OTHER = {"title": "other title", "description": "other text"}


async def created(client: httpx.AsyncClient, user: User) -> tuple[dict[str, Any], str]:
    response = await client.post("/notes/", json=NOTE, headers=user.headers)
    assert response.status_code == 201
    return response.json(), response.headers["ETag"]


class TestETag:
    async def test_every_answer_carrying_a_note_has_it(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        note, tag = await created(client, alice)
        assert tag == f'"{note["id"]}.1"'
        path = f"/notes/{note['id']}"
        read = await client.get(path, headers=alice.headers)
        assert read.headers["ETag"] == tag
        put = await client.put(path, json=OTHER, headers=alice.headers)
        assert put.headers["ETag"] == f'"{note["id"]}.2"'
        patch = await client.patch(path, json={"title": "third"}, headers=alice.headers)
        assert patch.headers["ETag"] == f'"{note["id"]}.3"'
        deleted = await client.delete(path, headers=alice.headers)
        assert deleted.headers["ETag"] == f'"{note["id"]}.3"'

    async def test_reading_does_not_change_it(self, client: httpx.AsyncClient, alice: User) -> None:
        note, tag = await created(client, alice)
        for _ in range(2):
            read = await client.get(f"/notes/{note['id']}", headers=alice.headers)
            assert read.headers["ETag"] == tag


class TestIfNoneMatch:
    @pytest.mark.parametrize("form", ["{}", "W/{}", '"x", {}', "*"])
    async def test_current_tag_gives_304_without_body(
        self, client: httpx.AsyncClient, alice: User, form: str
    ) -> None:
        note, tag = await created(client, alice)
        headers = {**alice.headers, "If-None-Match": form.format(tag)}
        response = await client.get(f"/notes/{note['id']}", headers=headers)
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["ETag"] == tag

    async def test_stale_tag_gives_the_note(self, client: httpx.AsyncClient, alice: User) -> None:
        note, tag = await created(client, alice)
        await client.put(f"/notes/{note['id']}", json=OTHER, headers=alice.headers)
        headers = {**alice.headers, "If-None-Match": tag}
        response = await client.get(f"/notes/{note['id']}", headers=headers)
        assert response.status_code == 200
        assert response.json()["title"] == OTHER["title"]

    @pytest.mark.parametrize("value", ["garbage", '"unterminated', "", "W/", '"1.1"'])
    async def test_unparsable_or_other_tag_gives_the_note(
        self, client: httpx.AsyncClient, alice: User, value: str
    ) -> None:
        note, _ = await created(client, alice)
        headers = {**alice.headers, "If-None-Match": value}
        response = await client.get(f"/notes/{note['id']}", headers=headers)
        assert response.status_code == 200

    async def test_missing_note_is_404_not_304(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        headers = {**alice.headers, "If-None-Match": "*"}
        response = await client.get("/notes/999999999", headers=headers)
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "body"), [("PUT", OTHER), ("PATCH", {"title": "patched"}), ("DELETE", None)]
)
class TestIfMatch:
    async def test_current_tag_writes(
        self, client: httpx.AsyncClient, alice: User, method: str, body: Any
    ) -> None:
        note, tag = await created(client, alice)
        headers = {**alice.headers, "If-Match": tag}
        response = await client.request(method, f"/notes/{note['id']}", json=body, headers=headers)
        assert response.status_code == 200

    @pytest.mark.parametrize("form", ["stale", "weak", "other note", "garbage"])
    async def test_anything_else_is_412_and_nothing_changes(
        self, client: httpx.AsyncClient, alice: User, method: str, body: Any, form: str
    ) -> None:
        note, tag = await created(client, alice)
        other, _ = await created(client, alice)
        path = f"/notes/{note['id']}"
        current = (await client.put(path, json=NOTE, headers=alice.headers)).json()
        value = {
            "stale": tag,
            "weak": f'W/"{note["id"]}.2"',
            "other note": f'"{other["id"]}.2"',
            "garbage": "nonsense",
        }[form]
        response = await client.request(
            method, path, json=body, headers={**alice.headers, "If-Match": value}
        )
        assert response.status_code == 412
        assert response.json() == {"detail": "The note has changed since the ETag in If-Match"}
        unchanged = await client.get(path, headers=alice.headers)
        assert unchanged.json() == current
        assert unchanged.headers["ETag"] == f'"{note["id"]}.2"'

    async def test_star_matches_an_existing_note(
        self, client: httpx.AsyncClient, alice: User, method: str, body: Any
    ) -> None:
        note, _ = await created(client, alice)
        headers = {**alice.headers, "If-Match": "*"}
        response = await client.request(method, f"/notes/{note['id']}", json=body, headers=headers)
        assert response.status_code == 200

    async def test_one_of_a_list_matches(
        self, client: httpx.AsyncClient, alice: User, method: str, body: Any
    ) -> None:
        note, tag = await created(client, alice)
        headers = {**alice.headers, "If-Match": f'"{note["id"]}.7", {tag}'}
        response = await client.request(method, f"/notes/{note['id']}", json=body, headers=headers)
        assert response.status_code == 200

    async def test_missing_or_other_owners_note_is_404(
        self, client: httpx.AsyncClient, alice: User, bob: User, method: str, body: Any
    ) -> None:
        note, _ = await created(client, alice)
        for user, path in ((alice, "/notes/999999999"), (bob, f"/notes/{note['id']}")):
            headers = {**user.headers, "If-Match": "*"}
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404

    async def test_without_if_match_the_write_is_unconditional(
        self, client: httpx.AsyncClient, alice: User, method: str, body: Any
    ) -> None:
        note, _ = await created(client, alice)
        await client.put(f"/notes/{note['id']}", json=OTHER, headers=alice.headers)
        response = await client.request(
            method, f"/notes/{note['id']}", json=body, headers=alice.headers
        )
        assert response.status_code == 200


class TestParsing:
    def test_list_with_weak_and_strong(self) -> None:
        tags = parse_entity_tags(' "a.1" , W/"b.2",  "c.3"')
        assert tags.strong == {"a.1", "c.3"}
        assert tags.weak == {"a.1", "b.2", "c.3"}

    @pytest.mark.parametrize("value", ['"5.abc"', '"5.-1"', '"5."', '"5.99999999999"', '"6.1"'])
    def test_if_match_tags_that_name_no_version_of_note_5(self, value: str) -> None:
        parsed = parse_if_match(value, 5)
        assert parsed is not None
        assert (parsed.any, parsed.versions) == (False, frozenset())


async def test_list_answers_have_no_etag(client: httpx.AsyncClient, alice: User) -> None:
    await create(client, alice)
    response = await client.get("/notes/", headers=alice.headers)
    assert "ETag" not in response.headers
