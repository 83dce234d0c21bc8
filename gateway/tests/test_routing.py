import json
from urllib.parse import unquote

import pytest
import respx
from fastapi import FastAPI
from starlette.types import Message

from gateway.paths import is_clean_path
from gateway.routing import PrefixRouter
from tests.conftest import CLIENT_ADDRESS

TRICKS = [
    b"/notes/../internal/users/1/notes",
    b"/notes/%2e%2e/internal/users/1/notes",
    b"/notes/%2E%2E/internal",
    b"/notes/.%2e/internal",
    b"/notes/./1",
    b"/notes/..",
    b"//internal/users/1/notes",
    b"/notes//1",
    b"/notes%2f..%2finternal",
    b"/notes/1%2F..%2F..%2Finternal",
    b"/notes/%252e%252e/internal",
    b"/notes/..%5cinternal",
    b"/notes/1%00",
    b"/auth/..;/internal",
]
UNKNOWN = [
    b"/internal/users/1/notes",
    b"/internal",
    b"/notesx",
    b"/authx/token",
    b"/admin",
    b"/",
    b"/auth-service/auth/me",
    # Only the exact path of auth-service's RFC 8414 metadata leaves /auth.
    b"/.well-known/oauth-authorization-server",
    b"/.well-known/oauth-authorization-server/notes",
    b"/.well-known/oauth-authorization-server/auth/token",
    b"/.well-known/jwks.json",
]


async def raw_get(
    app: FastAPI, raw_path: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes]:
    """What a server gives the app for a request line it received verbatim."""
    status = 0
    body = b""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway.test"), *headers],
        "client": (CLIENT_ADDRESS, 5000),
        "server": ("gateway.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return status, body


async def assert_not_found(app: FastAPI, raw_path: bytes, token: str) -> None:
    """An authenticated GET of `raw_path` gets the plain 404."""
    status, body = await raw_get(app, raw_path, [(b"authorization", f"Bearer {token}".encode())])
    assert status == 404
    assert json.loads(body) == {"detail": "Not Found"}


class TestPathTricks:
    @pytest.mark.parametrize("raw_path", TRICKS, ids=lambda p: p.decode())
    async def test_refused_with_404(
        self, app: FastAPI, mock: respx.MockRouter, token: str, raw_path: bytes
    ) -> None:
        await assert_not_found(app, raw_path, token)
        assert not any(route.called for route in mock.routes)

    @pytest.mark.parametrize("raw_path", UNKNOWN, ids=lambda p: p.decode())
    async def test_unknown_and_internal_are_404(
        self, app: FastAPI, mock: respx.MockRouter, token: str, raw_path: bytes
    ) -> None:
        await assert_not_found(app, raw_path, token)
        assert not any(route.called for route in mock.routes if route.name != "jwks")


class TestIsCleanPath:
    @pytest.mark.parametrize(
        "path", ["/notes", "/notes/", "/notes/12", "/auth/.well-known/jwks.json", "/notes/.hidden"]
    )
    def test_clean(self, path: str) -> None:
        assert is_clean_path(path, path.encode())

    def test_encoded_unicode_is_fine(self) -> None:
        assert is_clean_path("/notes/é", b"/notes/%C3%A9")


class TestPrefixRouter:
    def test_first_segment_decides(self) -> None:
        router = PrefixRouter({"/auth": "a", "/notes": "n"})
        assert router.match("/auth") == "a"
        assert router.match("/auth/token") == "a"
        assert router.match("/notes/") == "n"
        assert router.match("/notesx") is None
        assert router.match("/internal/notes") is None

    def test_exact_paths_outside_the_prefixes(self) -> None:
        """RFC 8414 §3.1's place for the metadata of the issuer `<public URL>/auth`."""
        router = PrefixRouter(
            {"/auth": "a", "/notes": "n"}, {"/.well-known/oauth-authorization-server/auth": "a"}
        )
        assert router.match("/.well-known/oauth-authorization-server/auth") == "a"
        for path in (
            "/.well-known/oauth-authorization-server",
            "/.well-known/oauth-authorization-server/notes",
            "/.well-known/oauth-authorization-server/auth/token",
            "/.well-known",
        ):
            assert router.match(path) is None, path
