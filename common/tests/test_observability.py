"""Log lines: console on a terminal, JSON elsewhere, quiet polls, no secrets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from platform_common.observability import RequestContextMiddleware, configure_logging

CONSOLE_LINE = re.compile(r"\d\d:\d\d:\d\d\.\d{3} (?P<level>[A-Z]+) +(?P<text>.*)")
SECRETS = ("bearer-secret-value", "cookie-secret-value", "api-key-secret-value", "query-secret")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def ok(_: Request) -> Response:
    return PlainTextResponse("ok")


async def broken(_: Request) -> Response:
    return PlainTextResponse("down", status_code=503)


async def warns(_: Request) -> Response:
    outbox_logger = logging.getLogger("notes_service.outbox")
    outbox_logger.warning("purge failed", extra={"fields": {"tries": 3}})
    return PlainTextResponse("ok")


async def fails(_: Request) -> Response:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("notes_service.routes").exception("could not answer")
    return PlainTextResponse("error", status_code=500)


APP = RequestContextMiddleware(
    Starlette(
        routes=[
            Route("/notes/", ok, methods=["GET", "POST"]),
            Route("/internal/revocations", ok),
            Route("/internal/broken", broken),
            Route("/internal/users/{user_id}/notes", ok, methods=["DELETE"]),
            Route("/health/live", ok),
            Route("/health/ready", ok),
            Route("/metrics", ok),
            Route("/warns", warns),
            Route("/fails", fails),
        ]
    ),
    service="notes-service",
)


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    httpx_level = logging.getLogger("httpx").level
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(httpx_level)


def capture(stream: io.StringIO | None = None, level: str = "INFO") -> io.StringIO:
    out = io.StringIO() if stream is None else stream
    configure_logging("notes-service", level, stream=out)
    return out


async def call(method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, headers=headers)


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


class TestConsoleFormat:
    async def test_one_line_per_request(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOG_FORMAT", "console")
        out = capture()
        await call("GET", "/notes/", {"x-request-id": "req-12345678"})
        [line] = lines(out)
        match = CONSOLE_LINE.fullmatch(line)
        assert match is not None, line
        assert match["level"] == "INFO"
        assert re.fullmatch(r"GET /notes/ 200 \d+(\.\d+)?ms id=req-12345678", match["text"])

    async def test_a_terminal_gets_the_console_format(self) -> None:
        out = capture(Terminal())
        await call("GET", "/notes/")
        [line] = lines(out)
        assert CONSOLE_LINE.fullmatch(line) is not None, line

    async def test_stdlib_records_with_fields(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOG_FORMAT", "console")
        out = capture()
        await call("GET", "/warns", {"x-request-id": "req-12345678"})
        warning, _access = lines(out)
        match = CONSOLE_LINE.fullmatch(warning)
        assert match is not None, warning
        assert match["level"] == "WARNING"
        assert match["text"] == "notes_service.outbox: purge failed tries=3 id=req-12345678"

    async def test_exceptions_follow_their_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOG_FORMAT", "console")
        out = capture()
        await call("GET", "/fails")
        text = out.getvalue()
        assert "ERROR   notes_service.routes: could not answer id=" in text
        assert "Traceback (most recent call last)" in text
        assert "RuntimeError: boom" in text

    def test_uvicorn_records_are_rendered_too(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # What uvicorn's default logging configuration leaves behind.
        uvicorn_logger = logging.getLogger("uvicorn")
        own = logging.StreamHandler(io.StringIO())
        uvicorn_logger.addHandler(own)
        uvicorn_logger.propagate = False
        monkeypatch.setenv("LOG_FORMAT", "console")
        out = capture()
        logging.getLogger("uvicorn.error").warning("Started server process [42]")
        [line] = lines(out)
        match = CONSOLE_LINE.fullmatch(line)
        assert match is not None, line
        assert match["text"] == "uvicorn.error: Started server process [42]"
        assert own not in uvicorn_logger.handlers


class TestJsonFormat:
    @pytest.mark.parametrize("another_handler", [False, True])
    async def test_default_when_not_a_terminal(self, another_handler: bool) -> None:
        """The same line whether written straight to the platform's handler or,
        with another handler on the root (a test's capture), through logging."""
        out = capture()
        if another_handler:
            logging.root.addHandler(logging.NullHandler())
        await call("POST", "/notes/", {"x-request-id": "req-12345678"})
        [line] = lines(out)
        entry = json.loads(line)
        assert {k: v for k, v in entry.items() if k not in ("ts", "duration_ms")} == {
            "level": "info",
            "service": "notes-service",
            "logger": "notes-service.access",
            "request_id": "req-12345678",
            "trace_id": None,  # tracing off (tests/test_telemetry.py has it on)
            "span_id": None,
            "message": "request",
            "method": "POST",
            "path": "/notes/",
            "status": 200,
        }
        assert isinstance(entry["duration_ms"], float)

    async def test_log_format_json_wins_over_a_terminal(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("LOG_FORMAT", "json")
        out = capture(Terminal())
        await call("GET", "/notes/")
        [line] = lines(out)
        assert json.loads(line)["path"] == "/notes/"

    async def test_stdlib_records_with_fields_and_exceptions(self) -> None:
        out = capture()
        await call("GET", "/warns", {"x-request-id": "req-12345678"})
        await call("GET", "/fails")
        warning, _, error, _ = (json.loads(line) for line in lines(out))
        assert warning["message"] == "purge failed"
        assert warning["tries"] == 3
        assert warning["request_id"] == "req-12345678"
        assert warning["level"] == "warning"
        assert "RuntimeError: boom" in error["exc"]

    def test_unknown_log_format_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LOG_FORMAT", "pretty")
        with pytest.raises(ValueError, match="LOG_FORMAT must be console, json or auto"):
            capture()


class TestQuietPolls:
    @pytest.mark.parametrize(
        "path", ["/internal/revocations", "/health/live", "/health/ready", "/metrics"]
    )
    async def test_idle_traffic_logs_nothing_at_info(self, path: str) -> None:
        out = capture(level="INFO")
        await call("GET", path)
        assert out.getvalue() == ""

    async def test_polls_log_at_debug(self) -> None:
        out = capture(level="DEBUG")
        await call("GET", "/internal/revocations")
        # At DEBUG the test's own httpx client logs too.
        entries = [json.loads(line) for line in lines(out)]
        [entry] = [e for e in entries if e["logger"] == "notes-service.access"]
        assert (entry["level"], entry["path"]) == ("debug", "/internal/revocations")

    async def test_a_failing_poll_is_still_shown(self) -> None:
        out = capture(level="INFO")
        await call("GET", "/internal/broken")
        [line] = lines(out)
        assert (json.loads(line)["level"], json.loads(line)["status"]) == ("info", 503)

    async def test_internal_writes_are_shown(self) -> None:
        out = capture(level="INFO")
        await call("DELETE", "/internal/users/7/notes")
        [line] = lines(out)
        assert json.loads(line)["path"] == "/internal/users/7/notes"

    def test_httpx_request_lines_only_at_debug(self) -> None:
        out = capture(level="INFO")
        logging.getLogger("httpx").info("HTTP Request: GET http://auth/internal/revocations")
        assert out.getvalue() == ""
        out = capture(level="DEBUG")
        logging.getLogger("httpx").info("HTTP Request: GET http://auth/internal/revocations")
        assert len(lines(out)) == 1


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_no_secret_bearing_header_or_query_is_logged(
    log_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", log_format)
    # INFO, the level services run at: at DEBUG, httpx (the test's own client
    # here) logs every URL it sends, query string included.
    out = capture(level="INFO")
    headers = {
        "authorization": "Bearer bearer-secret-value",
        "cookie": "session=cookie-secret-value",
        "x-api-key": "api-key-secret-value",
    }
    await call("GET", "/notes/?access_token=query-secret", headers)
    await call("GET", "/fails", headers)
    text = out.getvalue()
    assert "/notes/" in text
    assert [secret for secret in SECRETS if secret in text] == []


class _Writes(io.RawIOBase):
    """A stream's bytes as the system calls would take them: one entry per write."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.calls.append(bytes(data))
        return len(data)


class TestAccessLineWrites:
    """Access lines written in one turn of the event loop leave in one write, in order."""

    def stream(self) -> tuple[_Writes, io.TextIOWrapper]:
        raw = _Writes()
        buffered = io.BufferedWriter(raw, 1 << 16)  # type: ignore[type-var]
        out = io.TextIOWrapper(buffered, encoding="utf-8")
        configure_logging("notes-service", stream=out)
        return raw, out

    async def test_one_write_per_turn(self) -> None:
        raw, _ = self.stream()
        middleware = RequestContextMiddleware(APP, service="notes-service")
        for status in (200, 201, 204):
            middleware._log_access("GET", "/notes/", status, 0.001)
        assert raw.calls == []  # not yet: at the end of this turn
        await asyncio.sleep(0)
        [written] = raw.calls
        statuses = [json.loads(line)["status"] for line in written.decode().splitlines()]
        assert statuses == [200, 201, 204]

    async def test_other_records_keep_their_place(self) -> None:
        raw, _ = self.stream()
        middleware = RequestContextMiddleware(APP, service="notes-service")
        middleware._log_access("GET", "/notes/", 200, 0.001)
        logging.getLogger("notes_service.outbox").warning("purge failed")
        middleware._log_access("GET", "/notes/", 201, 0.001)
        await asyncio.sleep(0)
        entries = [json.loads(line) for line in b"".join(raw.calls).decode().splitlines()]
        assert [e.get("status", e["message"]) for e in entries] == [200, "purge failed", 201]

    def test_without_an_event_loop_at_once(self) -> None:
        raw, _ = self.stream()
        RequestContextMiddleware(APP, service="notes-service")._log_access(
            "GET", "/notes/", 200, 0.001
        )
        [written] = raw.calls
        assert json.loads(written)["status"] == 200

    def test_a_flush_due_on_a_closed_loop_does_not_hold_the_next_loops_lines(self) -> None:
        raw, _ = self.stream()
        middleware = RequestContextMiddleware(APP, service="notes-service")

        closed = asyncio.new_event_loop()
        # The line's flush is due at the next turn, which never comes: stopped first.
        closed.call_soon(middleware._log_access, "GET", "/notes/", 200, 0.001)
        closed.call_soon(closed.stop)
        closed.run_forever()
        closed.close()

        async def next_loop() -> None:
            middleware._log_access("GET", "/notes/", 201, 0.001)
            await asyncio.sleep(0)

        asyncio.run(next_loop())
        statuses = [
            json.loads(line)["status"] for line in b"".join(raw.calls).decode().splitlines()
        ]
        assert statuses == [200, 201]
