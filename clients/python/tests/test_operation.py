"""notes_platform._operation: what every generated operation module relies on."""

from __future__ import annotations

import inspect

import httpx
import pytest

from notes_platform import _operation
from notes_platform._generated.api.notes import notes_read
from notes_platform._generated.client import Client
from notes_platform._generated.errors import UnexpectedStatus
from notes_platform._generated.models import ErrorDetail
from notes_platform._generated.types import UNSET

TABLE = _operation.Operation[object](
    [
        ((200,), _operation.json(ErrorDetail.from_dict)),
        ((204, 304), _operation.nothing),
        (range(400, 500), _operation.text),
    ],
    default=_operation.content,
)


def answer(status: int, body: bytes = b'{"detail": "x"}') -> httpx.Response:
    return httpx.Response(status, content=body)


@pytest.mark.parametrize(
    ("status", "parsed"),
    [
        (200, ErrorDetail(detail="x")),
        (304, None),
        (404, '{"detail": "x"}'),  # a range
        (500, b'{"detail": "x"}'),  # the default
    ],
)
def test_each_status_read_by_its_parser(status: int, parsed: object) -> None:
    assert TABLE.parse(Client("http://api.test"), answer(status)) == parsed


def test_an_exact_status_wins_over_a_range() -> None:
    table = _operation.Operation[object](
        [((404,), _operation.any_json), (range(400, 500), _operation.text)]
    )
    assert table.parse(Client("http://api.test"), answer(404)) == {"detail": "x"}


def test_an_undocumented_status_is_none_or_raises() -> None:
    table = _operation.Operation[object]([((200,), _operation.any_json)])
    assert table.parse(Client("http://api.test"), answer(418)) is None
    with pytest.raises(UnexpectedStatus):
        table.parse(Client("http://api.test", raise_on_unexpected_status=True), answer(418))


def test_request_leaves_out_what_is_not_given() -> None:
    request = _operation.request(
        Client("http://api.test"),
        "get",
        "/notes",
        params={"offset": 0, "q": None, "cursor": UNSET},
        headers={"If-None-Match": UNSET, "Idempotency-Key": "k"},
    )
    assert request.arguments == {
        "method": "get",
        "url": "/notes",
        "params": {"offset": 0},
        "headers": {"Idempotency-Key": "k"},
    }


def test_public_functions_keep_their_name_and_parameters() -> None:
    for function in (
        notes_read.sync,
        notes_read.sync_detailed,
        notes_read.asyncio,
        notes_read.asyncio_detailed,
    ):
        assert function.__module__ == notes_read.__name__
        assert list(inspect.signature(function).parameters) == [
            "note_id",
            "client",
            "if_none_match",
        ]
    assert notes_read.sync.__name__ == "sync"
    assert inspect.iscoroutinefunction(notes_read.asyncio_detailed)
