"""notes_platform.testing: answers follow the document, requests must too."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
import pytest

from notes_platform.testing import ContractViolation, mock_platform
from notes_platform.testing.contract import load_document, operations

TOKEN = {"Authorization": "Bearer t"}


def test_every_operation_is_mocked_with_a_valid_example() -> None:
    found = list(operations(load_document()))
    assert len(found) > 40
    with mock_platform() as platform:
        for operation in found:
            status = operation.success_status
            operation.validate_response(status, operation.example(status))
            assert operation.operation_id in platform.routes


def test_a_documented_request_gets_the_example() -> None:
    with mock_platform() as platform, httpx.Client(base_url=platform.base_url) as client:
        response = client.post("/notes", json={"title": "abc", "description": "def"}, headers=TOKEN)
        assert response.status_code == 201
        assert set(response.json()) >= {"id", "title", "description"}
        assert response.headers["ETag"]
        assert platform.calls("notes-create") == 1


def test_an_answer_set_by_the_test_is_checked() -> None:
    with mock_platform() as platform:
        with pytest.raises(ContractViolation, match="id"):
            platform.answer("notes-read", json={"title": "no id"})
        with pytest.raises(ContractViolation, match="never answers 418"):
            platform.answer("notes-read", status=418)


@pytest.mark.parametrize(
    ("request_args", "message"),
    [
        ({"json": {"title": "abc", "description": "def", "colour": "x"}}, "colour"),
        ({"json": {"title": "abc"}}, "description"),
        ({"json": {"title": 3, "description": "def"}}, "not of type 'string'"),
        ({"content": b"title=abc", "headers": {"Content-Type": "text/plain"}}, "media type"),
    ],
    ids=["unknown field", "missing field", "wrong type", "wrong media type"],
)
def test_a_request_off_the_contract_fails(request_args: dict[str, Any], message: str) -> None:
    headers = {**TOKEN, **request_args.pop("headers", {})}
    with (
        pytest.raises(ContractViolation, match=message),
        mock_platform() as platform,
        httpx.Client(base_url=platform.base_url) as client,
    ):
        client.post("/notes", headers=headers, **request_args)


def test_missing_authorization_fails() -> None:
    with (
        pytest.raises(ContractViolation, match="Authorization"),
        mock_platform() as platform,
        httpx.Client(base_url=platform.base_url) as client,
    ):
        client.get("/notes")


def test_bad_parameters_fail() -> None:
    with mock_platform() as platform, httpx.Client(base_url=platform.base_url) as client:
        for path, message in (
            ("/notes?colour=red", "undocumented query parameter"),
            ("/notes?limit=many", "limit"),
            ("/notes/abc", "note_id"),
        ):
            with pytest.raises(ContractViolation, match=message):
                client.get(path, headers=TOKEN)
        platform.violations.clear()


def test_a_swallowed_violation_still_fails_the_block() -> None:
    with (
        pytest.raises(ContractViolation, match="Authorization"),
        mock_platform() as platform,
        httpx.Client(base_url=platform.base_url) as client,
        contextlib.suppress(ContractViolation),
    ):
        client.get("/auth/me")


def test_open_operations_need_no_token_and_take_forms() -> None:
    with mock_platform() as platform, httpx.Client(base_url=platform.base_url) as client:
        response = client.post("/auth/token", data={"grant_type": "password", "username": "a"})
        assert response.status_code == 200
        with pytest.raises(ContractViolation, match="nonsense"):
            client.post("/auth/token", data={"nonsense": "1"})
        platform.violations.clear()
