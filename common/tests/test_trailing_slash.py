"""One route answers with and without a trailing slash (platform_common.trailing_slash)."""

import pytest
from starlette.types import Receive, Scope, Send

from platform_common.trailing_slash import TrailingSlashMiddleware


async def seen_scope(scope: Scope) -> Scope:
    seen: list[Scope] = []

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen.append(scope)

    async def receive() -> dict[str, object]:
        raise AssertionError("not read")

    async def send(_: object) -> None:
        raise AssertionError("nothing sent")

    await TrailingSlashMiddleware(app)(scope, receive, send)
    return seen[0]


@pytest.mark.parametrize(
    ("path", "raw_path", "expected"),
    [
        ("/notes/", b"/notes/", ("/notes", b"/notes")),
        ("/notes/5//", b"/notes/5//", ("/notes/5", b"/notes/5")),
        ("/notes", b"/notes", ("/notes", b"/notes")),
        ("/", b"/", ("/", b"/")),
        ("//", b"//", ("/", b"/")),
    ],
)
async def test_trailing_slashes_trimmed(path: str, raw_path: bytes, expected: object) -> None:
    scope = await seen_scope({"type": "http", "path": path, "raw_path": raw_path})
    assert (scope["path"], scope["raw_path"]) == expected


async def test_callers_scope_untouched() -> None:
    original = {"type": "http", "path": "/notes/", "raw_path": b"/notes/"}
    await seen_scope(original)
    assert original["path"] == "/notes/"


async def test_other_scopes_passed_as_they_are() -> None:
    scope = {"type": "lifespan"}
    assert await seen_scope(scope) is scope


async def test_the_matched_route_is_seen_outside() -> None:
    """The access log, metrics and the request's span (outside) label the
    request by the route matched inside: `POST /notes/` is `/notes`, not unmatched."""
    route = object()

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        scope["route"] = route  # what Starlette's router does on a match

    async def receive() -> dict[str, object]:
        raise AssertionError("not read")

    async def send(_: object) -> None:
        raise AssertionError("nothing sent")

    outer: Scope = {"type": "http", "path": "/notes/", "raw_path": b"/notes/"}
    await TrailingSlashMiddleware(app)(outer, receive, send)
    assert outer["route"] is route
    assert outer["path"] == "/notes/"  # logged as the client sent it
