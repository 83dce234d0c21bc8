"""The breaking-change gate on crafted pairs of documents, and on a real git history."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openapi_check
import pytest


def json_body(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def parameter(name: str, where: str, required: bool, json_type: str) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": {"type": json_type}}


NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}
GET_NOTE = "GET /notes/{note_id}"


def base_document() -> dict[str, Any]:
    """A small FastAPI-shaped document: refs, an enum, `X | None`, a list."""
    note = {
        "type": "object",
        "required": ["id", "title", "status"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "status": {"$ref": "#/components/schemas/Status"},
            "description": NULLABLE_STRING,
            "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "notes-service", "version": "1.4.0"},
        "paths": {
            "/notes/{note_id}": {
                "get": {
                    "operationId": "notes-read",
                    "parameters": [
                        parameter("note_id", "path", True, "integer"),
                        parameter("fields", "query", False, "string"),
                    ],
                    "responses": {"200": {"content": json_body("Note")}},
                },
                "delete": {
                    "operationId": "notes-delete",
                    "responses": {"204": {"description": "gone"}},
                },
            },
            "/notes": {
                "post": {
                    "operationId": "notes-create",
                    "requestBody": {
                        "required": True,
                        "content": json_body("NoteCreate"),
                    },
                    "responses": {"201": {"content": json_body("Note")}},
                },
            },
        },
        "components": {
            "schemas": {
                "Note": note,
                "NoteCreate": {
                    "type": "object",
                    "required": ["title"],
                    "properties": {"title": {"type": "string"}, "description": {"type": "string"}},
                },
                "Status": {"type": "string", "enum": ["draft", "published"]},
                "Tag": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "colour": {"type": "string"}},
                },
            }
        },
    }


def changed(edit: Callable[[dict[str, Any]], object]) -> list[str]:
    new = copy.deepcopy(base_document())
    edit(new)
    return openapi_check.breaking_changes(base_document(), new)


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["components"]["schemas"]
    return result


def get_note(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["paths"]["/notes/{note_id}"]["get"]
    return result


class TestBreakingChanges:
    def test_removed_path(self) -> None:
        assert changed(lambda d: d["paths"].pop("/notes")) == ["/notes: path removed"]

    def test_removed_operation(self) -> None:
        assert changed(lambda d: d["paths"]["/notes/{note_id}"].pop("delete")) == [
            "DELETE /notes/{note_id}: operation removed"
        ]

    def test_removed_response_field(self) -> None:
        breaks = changed(lambda d: schemas(d)["Note"]["properties"].pop("title"))
        assert breaks == [
            "GET /notes/{note_id}: response 200 application/json: response field `title` removed",
            "POST /notes: response 201 application/json: response field `title` removed",
        ]

    def test_removed_field_in_a_list_item(self) -> None:
        breaks = changed(lambda d: schemas(d)["Tag"]["properties"].pop("colour"))
        expected = "response 200 application/json.tags[]: response field `colour` removed"
        assert f"{GET_NOTE}: {expected}" in breaks

    def test_removed_enum_value(self) -> None:
        breaks = changed(lambda d: schemas(d)["Status"].update(enum=["draft"]))
        expected = 'response 200 application/json.status: enum value "published" removed'
        assert f"{GET_NOTE}: {expected}" in breaks

    def test_new_required_body_property(self) -> None:
        def require_description(d: dict[str, Any]) -> None:
            schemas(d)["NoteCreate"]["required"] = ["title", "description"]

        assert changed(require_description) == [
            "POST /notes: request body application/json: new required request field `description`"
        ]

    def test_new_required_parameter(self) -> None:
        def add_parameter(d: dict[str, Any]) -> None:
            get_note(d)["parameters"].append(
                {"name": "x-tenant", "in": "header", "required": True, "schema": {"type": "string"}}
            )

        assert changed(add_parameter) == [
            "GET /notes/{note_id}: header parameter `x-tenant`: new required request field"
        ]

    def test_optional_parameter_made_required(self) -> None:
        assert changed(lambda d: get_note(d)["parameters"][1].update(required=True)) == [
            "GET /notes/{note_id}: query parameter `fields`: new required request field"
        ]

    def test_changed_response_type(self) -> None:
        breaks = changed(lambda d: schemas(d)["Note"]["properties"].update(id={"type": "string"}))
        assert (
            "GET /notes/{note_id}: response 200 application/json.id: "
            "type changed from ['integer'] to ['string']"
        ) in breaks

    def test_changed_parameter_type(self) -> None:
        breaks = changed(lambda d: get_note(d)["parameters"][0].update(schema={"type": "string"}))
        assert breaks == [
            f"{GET_NOTE}: path parameter `note_id`: type changed from ['integer'] to ['string']"
        ]

    def test_success_status_changed(self) -> None:
        """A client checking for the 201 it was promised breaks on a 202 (issue
        33, finding 4: registration went from 201 to 202 unnoticed)."""

        def accepted(d: dict[str, Any]) -> None:
            responses = d["paths"]["/notes"]["post"]["responses"]
            responses["202"] = responses.pop("201")

        assert changed(accepted) == ["POST /notes: success response 201 removed"]

    def test_response_field_made_nullable(self) -> None:
        def nullable_title(d: dict[str, Any]) -> None:
            schemas(d)["Note"]["properties"]["title"] = NULLABLE_STRING

        assert changed(nullable_title) == [
            f"{GET_NOTE}: response 200 application/json.title: "
            "type changed from ['string'] to ['null', 'string']",
            "POST /notes: response 201 application/json.title: "
            "type changed from ['string'] to ['null', 'string']",
        ]

    def test_renamed_operation_id(self) -> None:
        """A generated client names its methods after the ids (issue 29)."""
        assert changed(lambda d: get_note(d).update(operationId="note-get")) == [
            f"{GET_NOTE}: operation id `notes-read` renamed to `note-get`"
        ]

    def test_removed_operation_id(self) -> None:
        assert changed(lambda d: get_note(d).pop("operationId")) == [
            f"{GET_NOTE}: operation id `notes-read` removed"
        ]


class TestWhatPasses:
    def test_identical(self) -> None:
        assert changed(lambda d: None) == []

    def test_new_optional_request_field(self) -> None:
        def add(d: dict[str, Any]) -> None:
            schemas(d)["NoteCreate"]["properties"]["pinned"] = {"type": "boolean"}

        assert changed(add) == []

    def test_new_path_and_operation(self) -> None:
        def add(d: dict[str, Any]) -> None:
            d["paths"]["/tags"] = {"get": {"responses": {"200": {"description": "ok"}}}}
            d["paths"]["/notes"]["get"] = {"responses": {"200": {"description": "ok"}}}

        assert changed(add) == []

    def test_new_response_field_and_enum_value(self) -> None:
        def add(d: dict[str, Any]) -> None:
            schemas(d)["Note"]["properties"]["pinned"] = {"type": "boolean"}
            schemas(d)["Status"]["enum"].append("archived")

        assert changed(add) == []

    def test_error_response_removed(self) -> None:
        """An error no longer answered breaks nobody (a client handles more)."""

        base = base_document()
        get_note(base)["responses"]["404"] = {"description": "no such note"}
        new = copy.deepcopy(base)
        get_note(new)["responses"].pop("404")
        assert openapi_check.breaking_changes(base, new) == []

    def test_request_field_accepting_null_too(self) -> None:
        def widen(d: dict[str, Any]) -> None:
            schemas(d)["NoteCreate"]["properties"]["description"] = NULLABLE_STRING

        assert changed(widen) == []

    def test_an_operation_id_given_where_there_was_none(self) -> None:
        base = base_document()
        get_note(base).pop("operationId")
        assert openapi_check.breaking_changes(base, base_document()) == []

    def test_a_new_major_version_may_break(self) -> None:
        def break_and_bump(d: dict[str, Any]) -> None:
            d["paths"].pop("/notes")
            d["info"]["version"] = "2.0.0"

        assert changed(break_and_bump) == []

    def test_a_new_minor_version_may_not(self) -> None:
        def break_and_bump(d: dict[str, Any]) -> None:
            d["paths"].pop("/notes")
            d["info"]["version"] = "1.5.0"

        assert changed(break_and_bump) == ["/notes: path removed"]

    def test_recursive_schemas_end(self) -> None:
        def recurse(d: dict[str, Any]) -> None:
            schemas(d)["Tag"]["properties"]["parent"] = {"$ref": "#/components/schemas/Tag"}

        old = copy.deepcopy(base_document())
        recurse(old)
        new = copy.deepcopy(old)
        assert openapi_check.breaking_changes(old, new) == []


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit_document(repo: Path, document: dict[str, Any], message: str) -> None:
    (repo / "notes-service").mkdir(exist_ok=True)
    (repo / "notes-service" / "openapi.json").write_text(json.dumps(document))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)


class TestAgainstGit:
    @pytest.fixture
    def repo(self, tmp_path: Path) -> Path:
        git(tmp_path, "init", "-q")
        return tmp_path

    def test_a_single_commit_has_no_base(
        self, repo: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        commit_document(repo, base_document(), "first")
        assert openapi_check.check("HEAD~1", repo) == 0
        assert (
            capsys.readouterr().out
            == "notes-service/openapi.json: no base at HEAD~1, nothing to compare\n"
        )

    def test_a_document_new_at_this_commit_has_no_base(self, repo: Path) -> None:
        (repo / "README").write_text("first")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "first")
        commit_document(repo, base_document(), "second")
        assert openapi_check.check("HEAD~1", repo) == 0

    def test_a_break_since_the_previous_commit_fails(
        self, repo: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        commit_document(repo, base_document(), "first")
        broken = base_document()
        broken["paths"].pop("/notes")
        commit_document(repo, broken, "second")
        assert openapi_check.check("HEAD~1", repo) == 1
        assert "notes-service/openapi.json: /notes: path removed" in capsys.readouterr().out

    def test_an_unknown_base_ref_is_refused(
        self, repo: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        commit_document(repo, base_document(), "first")
        monkeypatch.setattr(openapi_check, "ROOT", repo)
        monkeypatch.setenv("OPENAPI_BASE", "no-such-branch")
        assert openapi_check.main() == 2
