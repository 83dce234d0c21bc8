"""Request ids, one log line per request, Prometheus metrics and the request's span.

Log lines are JSON for collectors (production), or one short readable line per
record on a terminal (`make run`); `LOG_FORMAT` (console, json) overrides.

Written as plain ASGI middleware: BaseHTTPMiddleware would buffer streamed
bodies and add a task per request on the hot path.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TextIO

import orjson
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from platform_common import telemetry

REQUEST_ID_HEADER = "x-request-id"
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
# Label combinations whose series RequestContextMiddleware keeps at hand.
MAX_REMEMBERED_SERIES = 1024

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request", ["service", "method", "route"]
)


def incoming_request_id(value: str | None) -> str:
    """Keep a well-formed incoming id so one request can be followed across services."""
    if value and _WELL_FORMED_ID.fullmatch(value):
        return value
    return os.urandom(16).hex()  # 128 random bits, like a UUID4's hex, at a third of the cost


LOG_FORMAT_VARIABLE = "LOG_FORMAT"
LOG_FORMATS = ("console", "json")

# GET polls of internal endpoints (the revocation list every 2 s per poller),
# health probes and metric scrapes: logged at DEBUG so an idle system is quiet.
# Failures and internal writes (the outbox's purge) stay at INFO.
_POLLED_PREFIXES = ("/internal/", "/health/", "/metrics", "/ping")
_READ_METHODS = frozenset({"GET", "HEAD"})


def is_polled(method: str, path: str) -> bool:
    return method in _READ_METHODS and path.startswith(_POLLED_PREFIXES)


def access_log_level(method: str, path: str, status: int) -> int:
    if status < 400 and is_polled(method, path):
        return logging.DEBUG
    return logging.INFO


def rounded(value: float, per_unit: int) -> float:
    """`value` to the nearest 1/per_unit (positive values): `round(value, n)`
    formats the number as text and parses it back, twice per access line."""
    return int(value * per_unit + 0.5) / per_unit


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what production log collectors read."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        exc = self.formatException(record.exc_info) if record.exc_info else None
        fields = getattr(record, "fields", {})
        return self.line(
            record.created, record.levelname, record.name, record.getMessage(), fields, exc
        )

    def line(
        self,
        created: float,
        level: str,
        logger: str,
        message: str,
        fields: dict[str, object],
        exc: str | None = None,
    ) -> str:
        entry: dict[str, object] = {
            "ts": rounded(created, 1000),
            "level": level.lower(),
            "service": self._service,
            "logger": logger,
            "request_id": request_id_var.get(),
            "trace_id": None,
            "span_id": None,
            "message": message,
            **fields,
        }
        ids = telemetry.current_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        if exc is not None:
            entry["exc"] = exc
        return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


class ConsoleFormatter(logging.Formatter):
    """One short line per record for a developer's terminal.

    The service name is left out: `make run` already prefixes every line with
    it, and a service started alone is the only one in its terminal.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, object] = getattr(record, "fields", {})
        if getattr(record, "access", False):
            text = (
                f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']}ms"
            )
        else:
            extras = "".join(f" {key}={value}" for key, value in fields.items())
            text = f"{record.name}: {record.getMessage()}{extras}"
        clock = time.strftime("%H:%M:%S", time.localtime(record.created))
        line = f"{clock}.{int(record.msecs):03d} {record.levelname:<7} {text}"
        request_id = request_id_var.get()
        if request_id != "-":
            line += f" id={request_id}"
        ids = telemetry.current_ids()
        if ids is not None:
            line += f" trace={ids[0][:8]}"  # enough to pick out one trace in a terminal
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def chosen_log_format(stream: TextIO) -> str:
    """`LOG_FORMAT` if set, else console on a terminal and JSON anywhere else."""
    value = os.environ.get(LOG_FORMAT_VARIABLE, "").strip().lower()
    if value in LOG_FORMATS:
        return value
    if value not in ("", "auto"):
        raise ValueError(f"{LOG_FORMAT_VARIABLE} must be console, json or auto, not {value!r}")
    return "console" if stream.isatty() else "json"


def configure_logging(service: str, level: str = "INFO", *, stream: TextIO | None = None) -> None:
    """Route every stdlib record (the services', uvicorn's, httpx's) to one handler."""
    out = sys.stdout if stream is None else stream
    handler = logging.StreamHandler(out)
    if chosen_log_format(out) == "console":
        handler.setFormatter(ConsoleFormatter())
    else:
        handler.setFormatter(JsonFormatter(service))
    # What no formatter here prints, a record need not gather: the calling
    # frame, thread and process (the logging HOWTO's "Optimization"). It was
    # a quarter of the access line's cost per request (bench/README.md).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    global _json_handler
    _json_handler = handler if isinstance(handler.formatter, JsonFormatter) else None
    # uvicorn configures its loggers with handlers of their own and propagation
    # off before it calls the app factory: its lines would bypass this format.
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # uvicorn's own access log would be a second, unstructured line per request.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request it sends at INFO (each revocation poll, each
    # proxied request): a second line for what the callee's access line shows.
    debugging = root.level <= logging.DEBUG
    logging.getLogger("httpx").setLevel(logging.DEBUG if debugging else logging.WARNING)


# The handler configure_logging installed, when it writes JSON: access lines go
# to it directly while it is the root logger's only one (see _log_access).
_json_handler: logging.StreamHandler[TextIO] | None = None


def _write_json_access(logger: str, level: int, fields: dict[str, object]) -> bool:
    """Writes one access line straight to the JSON handler; False if it is not in place.

    The line is the one the handler's formatter would write for a record; a
    LogRecord and the logging module's dispatch to it cost three times the
    line itself, per request (bench/README.md). Anything else (a test's
    capture handler added to the root, a console format) goes through logging.
    """
    handler = _json_handler
    if handler is None or logging.root.handlers != [handler]:
        return False
    formatter = handler.formatter
    assert isinstance(formatter, JsonFormatter)
    line = formatter.line(time.time(), logging.getLevelName(level), logger, "request", fields)
    try:
        with handler.lock:  # type: ignore[union-attr]
            handler.stream.write(line + "\n")
    except Exception:  # noqa: BLE001 - logging's own error handling takes it from here
        return False
    _flush_soon(handler)
    return True


# The event loop whose next turn flushes the JSON handler's stream, if one is due.
_flush_due_on: asyncio.AbstractEventLoop | None = None


def _flush_soon(handler: logging.StreamHandler[TextIO]) -> None:
    """The access lines written in one turn of the event loop leave in one write, at
    its end: a flush (a write system call) per line cost ~2 µs of every request
    (bench/README.md, 2026-12-08). Lines stay in order: any other record the
    handler emits flushes the same stream, access lines before it included."""
    global _flush_due_on
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop (a script's request): at once
        _flush(handler)
        return
    # Due on another loop (one closed before its turn came: tests): due here too.
    if _flush_due_on is not loop:
        _flush_due_on = loop
        loop.call_soon(_flush, handler)


def _flush(handler: logging.StreamHandler[TextIO]) -> None:
    global _flush_due_on
    _flush_due_on = None
    try:
        with handler.lock:  # type: ignore[union-attr]
            handler.stream.flush()
    except Exception:  # noqa: BLE001 - as logging's own handlers: a failed flush is no crash
        return


class RequestContextMiddleware:
    """Sets the request id, logs one line per request, records metrics, and
    runs the request in its span (tracing on) or its caller's trace context
    (tracing off: propagation without export; platform_common.telemetry)."""

    def __init__(self, app: ASGIApp, *, service: str, public_edge: bool = False) -> None:
        self.app = app
        self.service = service
        self.public_edge = public_edge  # faces the internet (telemetry.start_server_span)
        self.logger = logging.getLogger(f"{service}.access")
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming_request_id(incoming)
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_code = 500
        method = scope["method"]
        span = telemetry.start_server_span(
            scope["headers"],
            method=method,
            path=scope["path"],
            polled=is_polled(method, scope["path"]),
            public_edge=self.public_edge,
        )

        # A plain function handing back `send`'s own awaitable: no coroutine of
        # its own per message (ASGI asks only for something to await).
        def send_with_id(message: Message) -> Awaitable[None]:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            return send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None)
            route_path = route or "unmatched"
            counter, histogram = self._metrics(method, route_path, status_code)
            counter.inc()
            histogram.observe(elapsed)
            self._log_access(method, scope["path"], status_code, elapsed)
            if span is not None:  # after the access line, which carries its ids
                span.end(route, status_code)
            request_id_var.reset(token)

    def _metrics(self, method: str, route: str, status: int) -> tuple[Counter, Histogram]:
        """The two series of this answer, looked up once per combination.

        `labels()` builds a key and takes a lock on every call; the labels of
        a service's answers are few (route templates, not paths), so they are
        remembered here, up to a bound so that no client (inventing methods)
        can make the dictionary grow.
        """
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = (
                REQUESTS.labels(self.service, method, route, str(status)),
                LATENCY.labels(self.service, method, route),
            )
            if len(self._series) < MAX_REMEMBERED_SERIES:
                self._series[key] = series
        return series

    def _log_access(self, method: str, path: str, status: int, elapsed: float) -> None:
        level = access_log_level(method, path, status)
        # Checked first so a suppressed poll costs no record and no dict.
        if not self.logger.isEnabledFor(level):
            return
        fields: dict[str, object] = {
            "method": method,
            "path": path,  # never the query string, nor any header
            "status": status,
            "duration_ms": rounded(elapsed * 1000, 100),
        }
        if not _write_json_access(self.logger.name, level, fields):
            self.logger.log(level, "request", extra={"fields": fields, "access": True})


MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


async def metrics(_: Request) -> Response:
    if os.environ.get(MULTIPROCESS_VARIABLE):
        # Several worker processes (`<PREFIX>_WORKERS`): each writes its counts
        # under that folder, and whichever worker answers the scrape sums them,
        # so the totals are the service's, not one worker's share.
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
