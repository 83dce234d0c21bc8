"""A note is declared once: every column of the model is written and read.

A field a client writes is a column of `Note` and a field of the schemas;
nothing else names it (docs/architecture.md, "Add a field to notes"). These
tests find the fields in the model, so a column added there and missing from
what is written (POST, keyed POST, PUT, PATCH) or read (a note, a page, the
answer) fails here, not silently in production.
"""

from typing import Any

import httpx
import pytest

from notes_service import repository, service
from notes_service.models import Note
from notes_service.schemas import NotePatch, NoteRead, NoteWrite
from platform_common.testing.issuer import User

# The columns the service writes itself; every other column is a client's field.
SERVER_WRITTEN = {"id", "owner_id", "created_date", "updated_date", "version", "search_vector"}
# Kept, never answered (the version is answered as the ETag).
NOT_ANSWERED = {"owner_id", "version", "search_vector"}
COLUMNS = {column.key for column in Note.__table__.columns}
CLIENT_FIELDS = sorted(COLUMNS - SERVER_WRITTEN)


def values(tag: str) -> dict[str, str]:
    """A value for every client field, different for each field and each tag."""
    return {name: f"{tag} {name}"[:50] for name in CLIENT_FIELDS}


def fields(note: dict[str, Any]) -> dict[str, Any]:
    return {name: note.get(name) for name in CLIENT_FIELDS}


class TestDeclaredOnce:
    def test_the_model_has_client_fields(self) -> None:
        assert CLIENT_FIELDS

    def test_write_schemas_take_every_client_field(self) -> None:
        assert sorted(NoteWrite.model_fields) == CLIENT_FIELDS
        assert sorted(NotePatch.model_fields) == CLIENT_FIELDS

    def test_the_answer_has_every_column_but_the_internal_ones(self) -> None:
        assert set(NoteRead.model_fields) == COLUMNS - NOT_ANSWERED

    def test_statements_write_and_read_every_column(self) -> None:
        assert set(CLIENT_FIELDS) <= set(repository.INSERT.parameters)
        assert set(CLIENT_FIELDS) <= set(repository.UPDATE.parameters)
        read = {column.key for column in repository.NOTE_COLUMNS}
        assert read == COLUMNS - {"search_vector"}


async def post(client: httpx.AsyncClient, user: User, body: dict[str, Any], **headers: str) -> Any:
    response = await client.post("/notes/", json=body, headers={**user.headers, **headers})
    assert response.status_code == 201, response.text
    return response.json()


class TestEveryFieldRoundTrips:
    async def test_created_read_and_listed(self, client: httpx.AsyncClient, alice: User) -> None:
        sent = values("posted")
        created = await post(client, alice, sent)
        read = await client.get(f"/notes/{created['id']}", headers=alice.headers)
        listed = await client.get("/notes/", headers=alice.headers)

        assert fields(created) == sent
        assert fields(read.json()) == sent
        assert [fields(note) for note in listed.json()] == [sent]

    async def test_created_with_a_key_and_replayed(
        self, client: httpx.AsyncClient, alice: User
    ) -> None:
        sent = values("keyed")
        created = await post(client, alice, sent, **{"Idempotency-Key": "k"})
        replayed = await post(client, alice, sent, **{"Idempotency-Key": "k"})
        read = await client.get(f"/notes/{created['id']}", headers=alice.headers)

        assert fields(created) == fields(replayed) == fields(read.json()) == sent

    async def test_replaced(self, client: httpx.AsyncClient, alice: User) -> None:
        created = await post(client, alice, values("posted"))
        sent = values("put")
        replaced = await client.put(f"/notes/{created['id']}", json=sent, headers=alice.headers)
        read = await client.get(f"/notes/{created['id']}", headers=alice.headers)

        assert fields(replaced.json()) == fields(read.json()) == sent

    @pytest.mark.parametrize("name", CLIENT_FIELDS)
    async def test_each_patched_alone(
        self, client: httpx.AsyncClient, alice: User, name: str
    ) -> None:
        before = values("posted")
        created = await post(client, alice, before)
        change = {name: values("patched")[name]}
        patched = await client.patch(f"/notes/{created['id']}", json=change, headers=alice.headers)
        read = await client.get(f"/notes/{created['id']}", headers=alice.headers)

        assert fields(patched.json()) == fields(read.json()) == {**before, **change}


class TestAFieldAdded:
    def test_keeps_the_fingerprint_of_a_request_that_does_not_send_it(self) -> None:
        """A key's retry crossing the deploy that adds a field is still the same request."""

        class WithSummary(NoteWrite):
            summary: str = ""

        before = NoteWrite(title="a title", description="a description")
        after = WithSummary(title="a title", description="a description")

        assert service._fingerprint(after) == service._fingerprint(before)
        assert service._fingerprint(after.model_copy(update={"summary": "x"})) != (
            service._fingerprint(before)
        )
