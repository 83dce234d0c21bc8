import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from typing import NamedTuple

import httpx
import pytest
import respx
from fastapi import FastAPI
from starlette.types import Message

from gateway.main import create_app
from platform_common.testing.contract import Contract
from tests.conftest import NOTE, NOTES_URL, make_settings

MB = 1024 * 1024


class Notes(NamedTuple):
    """The gateway's client, the mock, notes-service's contract, a user's headers."""

    client: httpx.AsyncClient
    mock: respx.MockRouter
    contract: Contract
    headers: dict[str, str]


@pytest.fixture
def notes(
    client: httpx.AsyncClient,
    mock: respx.MockRouter,
    notes_contract: Contract,
    auth_headers: dict[str, str],
) -> Notes:
    return Notes(client, mock, notes_contract, auth_headers)


class TestForwarding:
    async def test_get_passes_path_query_and_answer(self, notes: Notes) -> None:
        client, mock, notes_contract, auth_headers = notes
        route = notes_contract.route(
            mock, "GET", "/notes", status=200, json=[NOTE], headers={"X-Total-Count": "1"}
        )
        response = await client.get("/notes?offset=0&limit=10", headers=auth_headers)
        assert response.status_code == 200
        assert response.json() == [NOTE]
        assert response.headers["x-total-count"] == "1"
        sent = route.calls.last.request
        assert sent.url == httpx.URL(f"{NOTES_URL}/notes?offset=0&limit=10")
        assert sent.headers["authorization"] == auth_headers["Authorization"]

    async def test_trailing_slash_kept(self, notes: Notes) -> None:
        client, mock, notes_contract, auth_headers = notes
        answer = notes_contract.response("GET", "/notes/{note_id}", status=200, json=NOTE)
        route = mock.get(f"{NOTES_URL}/notes/1/").mock(side_effect=lambda _: answer)
        response = await client.get("/notes/1/", headers=auth_headers)
        assert response.status_code == 200
        assert route.calls.last.request.url.raw_path == b"/notes/1/"

    async def test_post_body_forwarded_byte_for_byte(self, notes: Notes) -> None:
        client, mock, notes_contract, auth_headers = notes
        route = notes_contract.route(mock, "POST", "/notes", status=201, json=NOTE)
        # Odd spacing and key order: the gateway must not re-encode the JSON.
        body = b'{ "description":"milk and eggs",  "title": "groceries" }'
        response = await client.post(
            "/notes",
            content=body,
            headers={**auth_headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 201
        assert response.json() == NOTE
        sent = route.calls.last.request
        assert sent.content == body
        assert sent.headers["content-length"] == str(len(body))
        assert sent.headers["content-type"] == "application/json"

    @pytest.mark.parametrize("status", [404, 422])
    async def test_upstream_errors_passed_through(self, notes: Notes, status: int) -> None:
        client, mock, notes_contract, auth_headers = notes
        body = (
            {"detail": "Note not found"}
            if status == 404
            else {"detail": [{"loc": ["path", "note_id"], "msg": "bad", "type": "int_parsing"}]}
        )
        notes_contract.route(
            mock, "DELETE", "/notes/7", template="/notes/{note_id}", status=status, json=body
        )
        response = await client.delete("/notes/7", headers=auth_headers)
        assert response.status_code == status
        assert response.json() == body


class TestFailures:
    @pytest.mark.parametrize(
        ("method", "error", "status", "detail", "calls"),
        [
            # Refused before anything was sent: a GET is tried once more.
            ("GET", httpx.ConnectError("refused"), 503, "notes-service is unavailable", 2),
            # A POST never is.
            ("POST", httpx.ConnectError("refused"), 503, "notes-service is unavailable", 1),
            # The upstream may still be working on it: not sent again.
            ("GET", httpx.ReadTimeout("slow"), 504, "notes-service did not answer in time", 1),
        ],
    )
    async def test_a_failed_request_is_retried_only_when_safe(
        self,
        client: httpx.AsyncClient,
        mock: respx.MockRouter,
        auth_headers: dict[str, str],
        method: str,
        error: Exception,
        status: int,
        detail: str,
        calls: int,
    ) -> None:
        path = "/notes" if method == "POST" else "/notes/1"
        route = mock.route(method=method, url=f"{NOTES_URL}{path}").mock(side_effect=error)
        body = {"title": "abc", "description": "def"} if method == "POST" else None
        response = await client.request(method, path, json=body, headers=auth_headers)
        assert response.status_code == status
        assert response.json() == {"detail": detail}
        assert route.call_count == calls

    async def test_retry_succeeds(self, notes: Notes) -> None:
        client, mock, notes_contract, auth_headers = notes
        answer = notes_contract.response("GET", "/notes/{note_id}", status=200, json=NOTE)
        route = mock.get(f"{NOTES_URL}/notes/1").mock(
            side_effect=[httpx.ConnectError("refused"), answer]
        )
        response = await client.get("/notes/1", headers=auth_headers)
        assert response.status_code == 200
        assert route.call_count == 2

    async def test_circuit_opens_then_trial_closes_it(
        self,
        mock: respx.MockRouter,
        notes_contract: Contract,
        auth_headers: dict[str, str],
    ) -> None:
        settings = make_settings(circuit_failure_threshold=3, circuit_reset_seconds=0.2)
        app = create_app(settings)
        route = mock.get(f"{NOTES_URL}/notes/1").mock(side_effect=httpx.ReadTimeout("slow"))
        async with app.router.lifespan_context(app), _client(app) as client:
            for _ in range(3):
                assert (await client.get("/notes/1", headers=auth_headers)).status_code == 504
            assert route.call_count == 3
            fast = await client.get("/notes/1", headers=auth_headers)
            assert fast.status_code == 503
            assert fast.headers["retry-after"] == "1"
            assert route.call_count == 3  # short-circuited: upstream not contacted
            await asyncio.sleep(0.25)
            route.mock(
                side_effect=lambda _: notes_contract.response(
                    "GET", "/notes/{note_id}", status=200, json=NOTE
                )
            )
            assert (await client.get("/notes/1", headers=auth_headers)).status_code == 200
            assert (await client.get("/notes/1", headers=auth_headers)).status_code == 200
            assert route.call_count == 5


class TestBodyLimit:
    async def test_declared_length_over_limit_is_413_before_upstream(
        self, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        app = create_app(make_settings(max_body_bytes=100))
        route = mock.post(f"{NOTES_URL}/notes")
        async with app.router.lifespan_context(app), _client(app) as client:
            response = await client.post("/notes", content=b"x" * 101, headers=auth_headers)
        assert response.status_code == 413
        assert response.json() == {"detail": "Request body too large"}
        assert not route.called

    async def test_streamed_body_over_limit_is_413(
        self, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        app = create_app(make_settings(max_body_bytes=1000))

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(20):
                yield b"x" * 100

        route = mock.post(f"{NOTES_URL}/notes")
        async with app.router.lifespan_context(app), _client(app) as client:
            response = await client.post("/notes", content=chunks(), headers=auth_headers)
        assert response.status_code == 413
        assert not route.called


class TestBodyEncoding:
    """A compressed request body is refused at the edge with 415 and `Accept-Encoding:
    identity` (RFC 9110 §15.5.16, §12.5.3): no service decodes one (it was a 400)."""

    @pytest.mark.parametrize("coding", ["gzip", "br", "identity, gzip"])
    async def test_an_encoded_body_is_415_before_upstream(
        self, mock: respx.MockRouter, auth_headers: dict[str, str], coding: str
    ) -> None:
        app = create_app(make_settings())
        route = mock.post(f"{NOTES_URL}/notes")
        async with app.router.lifespan_context(app), _client(app) as client:
            response = await client.post(
                "/notes",
                content=b"\x1f\x8b...",
                headers={**auth_headers, "Content-Encoding": coding},
            )
        assert response.status_code == 415
        assert response.headers["accept-encoding"] == "identity"
        assert response.json() == {
            "detail": "Content-Encoding is not supported: send the body as is"
        }
        assert not route.called

    @pytest.mark.parametrize("coding", ["identity", "IDENTITY", ""])
    async def test_identity_is_no_encoding(
        self,
        client: httpx.AsyncClient,
        mock: respx.MockRouter,
        notes_contract: Contract,
        auth_headers: dict[str, str],
        coding: str,
    ) -> None:
        route = notes_contract.route(mock, "POST", "/notes", status=201, json=NOTE)
        response = await client.post(
            "/notes", content=b"{}", headers={**auth_headers, "Content-Encoding": coding}
        )
        assert response.status_code == 201
        assert route.called


def _client(app: FastAPI) -> httpx.AsyncClient:
    from tests.conftest import asgi_client

    return asgi_client(app)


class ChunkCounter(httpx.AsyncBaseTransport):
    """An upstream that reads the request body chunk by chunk and answers a large body."""

    def __init__(self, response_bytes: int = 0) -> None:
        self.received = 0
        self.response_bytes = response_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:
            self.received += len(chunk)
        return httpx.Response(
            200,
            headers={"content-type": "application/octet-stream"},
            stream=_Generated(self.response_bytes),
        )


class _Generated(httpx.AsyncByteStream):
    def __init__(self, size: int) -> None:
        self.size = size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"y" * (64 * 1024)
        sent = 0
        while sent < self.size:
            yield chunk
            sent += len(chunk)


async def _call(
    app: FastAPI, method: str, path: str, headers: dict[str, str], body_bytes: int
) -> tuple[int, int]:
    """Drive the ASGI app directly: httpx's ASGITransport would buffer the answer."""
    chunk = b"x" * (64 * 1024)
    remaining = body_bytes
    status = 0
    received = 0

    async def receive() -> Message:
        nonlocal remaining
        if remaining <= 0:
            await asyncio.sleep(3600)
        remaining -= len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": remaining > 0}

    async def send(message: Message) -> None:
        nonlocal status, received
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            received += len(message.get("body", b""))

    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if body_bytes:
        raw_headers.append((b"transfer-encoding", b"chunked"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 5000),
        "server": ("gateway.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return status, received


class TestStreaming:
    async def test_large_bodies_stream_both_ways_in_flat_memory(
        self, mock: respx.MockRouter, auth_headers: dict[str, str]
    ) -> None:
        size = 50 * MB
        upstream = ChunkCounter(response_bytes=size)
        app = create_app(
            make_settings(max_body_bytes=2 * size), transports={"notes-service": upstream}
        )
        async with app.router.lifespan_context(app):
            # Warm up: first request imports and caches whatever it needs.
            await _call(app, "POST", "/notes/upload", auth_headers, MB)
            tracemalloc.start()
            try:
                status, received = await _call(app, "POST", "/notes/upload", auth_headers, size)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        assert status == 200
        assert upstream.received >= size
        assert received >= size
        assert peak < 5 * MB, f"peak {peak / MB:.1f} MB for a {size // MB} MB body"
