"""The request head bounded in size and time, on a real uvicorn server and sockets."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn
from prometheus_client import REGISTRY
from starlette.types import Receive, Scope, Send

from platform_common.http_protocol import PROTOCOL, BoundedHttpToolsProtocol
from platform_common.testing.uvicorn_server import serving_asgi

HEAD_TIMEOUT = 0.3
MAX_HEAD = 4096
MAX_CONNECTIONS = 4


class QuickProtocol(BoundedHttpToolsProtocol):
    head_timeout = HEAD_TIMEOUT
    max_head_bytes = MAX_HEAD
    max_connections = MAX_CONNECTIONS


class App:
    """Answers with the size of the body it read; remembers each request's path and headers."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.headers: list[dict[bytes, bytes]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.paths.append(scope["path"])
        self.headers.append(dict(scope["headers"]))
        if scope["path"] == "/sleep":  # the app's own time is not the head's
            await asyncio.sleep(HEAD_TIMEOUT * 2)
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = str(size).encode()
        headers = [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def app() -> App:
    return App()


@contextlib.asynccontextmanager
async def serving(app: App, **config: Any) -> AsyncIterator[int]:
    """A real uvicorn server with QuickProtocol on a free port; yields the port."""
    async with serving_asgi(app, http=QuickProtocol, lifespan="off", **config) as port:
        yield port


@pytest.fixture
async def port(app: App) -> AsyncIterator[int]:
    async with serving(app) as port:
        yield port


Connect = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


@pytest.fixture
async def connect(port: int) -> AsyncIterator[Connect]:
    """Opens connections to the server, each closed after the test."""
    writers: list[asyncio.StreamWriter] = []

    async def open_one() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writers.append(writer)
        return reader, writer

    yield open_one
    for writer in writers:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes], bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    status_line, *lines = head[:-4].split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers[b"content-length"]))
    return int(status_line.split()[1]), headers, body


async def closed(reader: asyncio.StreamReader) -> bool:
    with contextlib.suppress(ConnectionResetError):
        return await asyncio.wait_for(reader.read(1), 5) == b""
    return True


def refused(reason: str) -> float:
    return REGISTRY.get_sample_value("http_request_heads_refused_total", {"reason": reason}) or 0.0


def connections_refused() -> float:
    return REGISTRY.get_sample_value("http_connections_refused_total") or 0.0


def get(path: str = "/", extra: bytes = b"") -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: test\r\n" + extra + b"\r\n"


async def test_the_services_run_it() -> None:
    # The string deploy/run_local.py and the Dockerfiles pass to `uvicorn --http`.
    config = uvicorn.Config(App(), http=PROTOCOL)
    config.load()
    assert config.http_protocol_class is BoundedHttpToolsProtocol


async def test_a_head_within_bounds_passes(connect: Connect, app: App) -> None:
    reader, writer = await connect()
    writer.write(get("/ok", b"X-Fill: " + b"a" * (MAX_HEAD - 200) + b"\r\n"))
    status, _, _ = await read_answer(reader)
    assert status == 200
    assert app.paths == ["/ok"]


async def test_a_head_too_large_is_431_and_never_reaches_the_app(
    connect: Connect, app: App
) -> None:
    before = refused("too_large")
    reader, writer = await connect()
    writer.write(b"GET /big HTTP/1.1\r\nHost: test\r\nX-Big: ")
    await asyncio.sleep(0.005)  # a read of its own: counted are the reads after it
    # Past the bound, a KiB at a time, then no more: bytes still arriving
    # after the server closed would reset the connection, answer and all.
    for _ in range(MAX_HEAD // 1024 + 1):
        writer.write(b"a" * 1024)
        await writer.drain()
        await asyncio.sleep(0.005)
    status, headers, body = await read_answer(reader)
    assert status == 431
    assert headers[b"connection"] == b"close"
    assert body == b'{"detail":"Request header fields too large"}'
    assert await closed(reader)
    assert app.paths == []
    assert refused("too_large") == before + 1


async def test_a_request_that_cannot_be_parsed_is_a_json_400(connect: Connect, app: App) -> None:
    """Errors are `{"detail": ...}` everywhere, uvicorn's own 400 included."""
    reader, writer = await connect()
    writer.write(b"POST /x HTTP/1.1\r\nHost: test\r\nContent-Length: 4, 60\r\n\r\nabcd")
    status, headers, body = await read_answer(reader)
    assert (status, headers[b"content-type"]) == (400, b"application/json")
    assert body == b'{"detail":"Invalid HTTP request received."}'
    assert await closed(reader)
    assert app.paths == []


async def test_a_body_is_not_counted_as_head(connect: Connect) -> None:
    body = b"b" * (MAX_HEAD * 25)
    reader, writer = await connect()
    head = b"POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n" % len(body)
    writer.write(head + body)  # one write: head and body arrive together
    status, _, answer = await read_answer(reader)
    assert status == 200
    assert answer == str(len(body)).encode()


async def test_a_slow_head_is_408(connect: Connect, app: App) -> None:
    before = refused("timeout")
    reader, writer = await connect()
    writer.write(b"GET /slow HTTP/1.1\r\nHost: test\r\n")
    for _ in range(3):  # still sending, never finishing
        await asyncio.sleep(HEAD_TIMEOUT / 3)
        with contextlib.suppress(ConnectionError):
            writer.write(b"X-Drip: 1\r\n")
    status, _, body = await read_answer(reader)
    assert status == 408
    assert body == b'{"detail":"Request head not received in time"}'
    assert await closed(reader)
    assert app.paths == []
    assert refused("timeout") == before + 1


async def test_a_silent_connection_is_closed_without_an_answer(connect: Connect) -> None:
    reader, _ = await connect()
    assert await asyncio.wait_for(reader.read(100), HEAD_TIMEOUT * 10) == b""


async def test_a_kept_alive_connection_may_wait_longer_between_requests(
    connect: Connect, app: App
) -> None:
    """Between requests the keep-alive timeout applies (uvicorn's, 5 s), not the head's."""
    reader, writer = await connect()
    writer.write(get("/first"))
    assert (await read_answer(reader))[0] == 200
    await asyncio.sleep(HEAD_TIMEOUT * 2)
    writer.write(get("/second"))
    assert (await read_answer(reader))[0] == 200
    assert app.paths == ["/first", "/second"]


async def test_pipelined_requests_are_answered(connect: Connect, app: App) -> None:
    reader, writer = await connect()
    writer.write(get("/one") + get("/two"))
    assert (await read_answer(reader))[0] == 200
    assert (await read_answer(reader))[0] == 200
    assert app.paths == ["/one", "/two"]


async def test_pipelined_heads_are_not_counted_as_one(connect: Connect, app: App) -> None:
    """A read holding many whole requests and the start of one more: only that last
    head is incomplete, and it is small."""
    burst = get("/p") * (MAX_HEAD // len(get("/p")) * 2)
    reader, writer = await connect()
    writer.write(burst + get("/last")[:10])
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.write(get("/last")[10:])
    for _ in range(burst.count(b"GET")):
        assert (await read_answer(reader))[0] == 200
    assert (await read_answer(reader))[0] == 200
    assert app.paths[-1] == "/last"


async def test_a_slow_app_is_not_cut_short(connect: Connect) -> None:
    reader, writer = await connect()
    writer.write(get("/sleep"))
    assert (await read_answer(reader))[0] == 200


async def test_the_next_head_on_a_kept_alive_connection_is_timed_too(connect: Connect) -> None:
    reader, writer = await connect()
    writer.write(get("/first"))
    assert (await read_answer(reader))[0] == 200
    writer.write(b"GET /second HTTP/1.1\r\nHost: test\r\n")  # and no more
    assert (await read_answer(reader))[0] == 408
    assert await closed(reader)


async def hold(connect: Connect, count: int) -> list[asyncio.StreamWriter]:
    """Opens `count` connections, each in the middle of a head."""
    writers = []
    for _ in range(count):
        _, writer = await connect()
        writer.write(b"GET /held HTTP/1.1\r\n")
        writers.append(writer)
    return writers


async def test_a_connection_past_the_limit_is_closed_at_once(connect: Connect) -> None:
    before = connections_refused()
    held = await hold(connect, MAX_CONNECTIONS)
    reader, writer = await connect()
    writer.write(get("/one-too-many"))
    assert await closed(reader)  # no answer: closed as it opened
    assert connections_refused() == before + 1
    held[0].close()  # a place frees: the next connection is served
    await asyncio.sleep(0.05)
    reader, writer = await connect()
    writer.write(get("/after"))
    assert (await read_answer(reader))[0] == 200


async def test_uvicorns_limit_concurrency_sets_the_limit(app: App) -> None:
    """`--limit-concurrency` (or UVICORN_LIMIT_CONCURRENCY) replaces the default: uvicorn
    answers 503 at that many connections, and none beyond it is kept."""
    async with serving(app, limit_concurrency=2) as port:
        opened = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        try:
            opened[0][1].write(b"GET /held HTTP/1.1\r\n")
            opened[1][1].write(get("/busy"))
            assert (await read_answer(opened[1][0]))[0] == 503  # uvicorn's own answer
            opened[2][1].write(get("/one-too-many"))
            assert await closed(opened[2][0])
        finally:
            for _, writer in opened:
                writer.close()


H2C_OFFER = (
    b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
    b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
)


def post(path: str, body: bytes, extra: bytes = b"") -> bytes:
    return b"POST %s HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n%s\r\n%s" % (
        path.encode(),
        len(body),
        extra,
        body,
    )


class TestUpgradeOffers:
    """An offer to switch protocols is declined and the request served as HTTP/1.1, body
    and all (RFC 9110 §7.8); Java's HttpClient and Ktor offer h2c on every request."""

    async def test_the_body_of_a_request_offering_h2c_is_read(
        self, connect: Connect, app: App
    ) -> None:
        reader, writer = await connect()
        writer.write(post("/notes", b"x" * 31, H2C_OFFER))
        status, _, body = await read_answer(reader)
        assert (status, body) == (200, b"31")
        assert app.paths == ["/notes"]

    async def test_a_chunked_body_too(self, connect: Connect) -> None:
        reader, writer = await connect()
        writer.write(
            b"POST /notes HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
            + H2C_OFFER
            + b"\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
        )
        status, _, body = await read_answer(reader)
        assert (status, body) == (200, b"7")

    async def test_a_body_sent_after_the_head(self, connect: Connect) -> None:
        reader, writer = await connect()
        request = post("/notes", b"y" * 12, H2C_OFFER)
        head, body = request[:-12], request[-12:]
        writer.write(head)
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(body)
        status, _, answer = await read_answer(reader)
        assert (status, answer) == (200, b"12")

    async def test_the_connection_serves_the_next_request(self, connect: Connect, app: App) -> None:
        reader, writer = await connect()
        writer.write(post("/first", b"abc", H2C_OFFER) + get("/second"))
        assert (await read_answer(reader))[2] == b"3"
        assert (await read_answer(reader))[0] == 200
        assert app.paths == ["/first", "/second"]

    async def test_many_pipelined_offers_are_all_served(self, connect: Connect, app: App) -> None:
        """Read again one after another, not one inside another (no recursion to exhaust)."""
        count = 1500
        reader, writer = await connect()
        writer.write(get("/many", H2C_OFFER) * count)
        for _ in range(count):
            assert (await read_answer(reader))[0] == 200
        assert len(app.paths) == count

    async def test_a_websocket_offer_is_served_as_http(self, connect: Connect, app: App) -> None:
        """The platform speaks HTTP alone: no route of it answers a WebSocket."""
        reader, writer = await connect()
        writer.write(
            get(
                "/notes",
                b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            )
        )
        assert (await read_answer(reader))[0] == 200
        assert app.paths == ["/notes"]

    async def test_the_app_sees_no_offer(self, connect: Connect, app: App) -> None:
        reader, writer = await connect()
        writer.write(post("/notes", b"abc", H2C_OFFER))
        await read_answer(reader)
        (headers,) = app.headers
        assert b"upgrade" not in headers
        assert headers[b"connection"] == b"HTTP2-Settings"
        assert headers[b"content-length"] == b"3"


class TestHalfClose:
    """A client may shut down its side once its request is sent (`shutdown(SHUT_WR)`, as
    some HTTP/1.0 clients and tools do): the answer still comes, then the connection ends."""

    async def test_a_request_sent_in_full_is_answered(self, connect: Connect, app: App) -> None:
        reader, writer = await connect()
        writer.write(get("/sleep"))  # an answer that takes a while
        writer.write_eof()
        assert (await read_answer(reader))[0] == 200
        assert await closed(reader)

    async def test_pipelined_requests_are_all_answered(self, connect: Connect, app: App) -> None:
        reader, writer = await connect()
        writer.write(get("/sleep") + post("/second", b"abc"))
        writer.write_eof()
        assert (await read_answer(reader))[0] == 200
        assert (await read_answer(reader))[2] == b"3"
        assert await closed(reader)
        assert app.paths == ["/sleep", "/second"]

    async def test_a_request_cut_short_is_not(self, connect: Connect, app: App) -> None:
        reader, writer = await connect()
        writer.write(b"POST /cut HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabcde")
        writer.write_eof()
        assert await closed(reader)


class TestRefusalAfterPipelinedRequests:
    """A refusal comes after the answers to the requests sent before it, in order:
    written at once, it was read as the answer to an earlier request."""

    async def test_a_slow_head_after_a_slow_request(self, connect: Connect, app: App) -> None:
        reader, writer = await connect()
        writer.write(get("/sleep") + b"GET /next HTTP/1.1\r\nHost: test\r\n")  # never ends
        assert (await read_answer(reader))[0] == 200  # /sleep outlasts the head timeout
        assert (await read_answer(reader))[0] == 408
        assert await closed(reader)

    async def test_a_head_too_large_after_a_slow_request(self, connect: Connect) -> None:
        reader, writer = await connect()
        writer.write(get("/sleep") + b"GET /big HTTP/1.1\r\nHost: test\r\nX-Big: ")
        await writer.drain()
        await asyncio.sleep(0.01)
        writer.write(b"a" * (MAX_HEAD + 1024))
        assert (await read_answer(reader))[0] == 200
        assert (await read_answer(reader))[0] == 431
        assert await closed(reader)

    async def test_what_follows_a_refused_head_is_not_read(
        self, connect: Connect, app: App
    ) -> None:
        reader, writer = await connect()
        writer.write(get("/sleep") + b"GET /bad\x01 HTTP/1.1\r\n\r\n" + get("/after"))
        assert (await read_answer(reader))[0] == 200
        assert (await read_answer(reader))[0] == 400
        assert await closed(reader)
        assert app.paths == ["/sleep"]
