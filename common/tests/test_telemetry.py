"""Traces (platform_common.telemetry): request spans named by route template,
trace context continued and propagated, database spans, ids in log lines.

The SDK's in-memory exporter stands in for OTLP; tests-e2e/test_tracing.py
runs the real processes against a local OTLP receiver.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler
from opentelemetry.trace import SpanKind
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from platform_common import telemetry
from platform_common.database import create_database_engine
from platform_common.observability import RequestContextMiddleware, configure_logging, metrics
from platform_common.telemetry import _before_cursor_execute as _before

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_ID = "b7ad6b7169203331"
SECRET = "secret-parameter-value"


def traceparent(flags: str = "01", trace_id: str = TRACE_ID) -> str:
    return f"00-{trace_id}-{PARENT_ID}-{flags}"


Install = Callable[..., InMemorySpanExporter]


@pytest.fixture
def install() -> Iterator[Install]:
    """Tracing on, into memory, for one test: `install(public_edge=..., root=...)`."""
    providers: list[TracerProvider] = []

    def make(*, public_edge: bool = False, root: Sampler = ALWAYS_ON) -> InMemorySpanExporter:
        exporter = InMemorySpanExporter()
        sampler = telemetry.RequestSampler(ParentBased(root), public_edge=public_edge)
        provider = TracerProvider(sampler=sampler)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        providers.append(provider)
        telemetry.install_tracing(provider, public_edge=public_edge)
        return exporter

    yield make
    telemetry.uninstall_tracing()
    for provider in providers:
        provider.shutdown()


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """Built before the test turns tracing on: `traced(engine)` adds the statement spans."""
    url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    engine = create_database_engine(url, pool_size=2)
    yield engine
    await engine.dispose()


def traced(engine: AsyncEngine) -> None:
    assert telemetry.trace_engine(engine)


class Upstream:
    """Records the headers of the calls the app makes to another service."""

    def __init__(self) -> None:
        self.headers: list[httpx.Headers] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(request.headers)
        return httpx.Response(200, json={})


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
async def client(engine: AsyncEngine, upstream: Upstream) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    outgoing = httpx.AsyncClient(
        transport=httpx.MockTransport(upstream.handler),
        base_url="http://other.test",
        event_hooks={"request": [telemetry.inject_trace_context]},
    )

    @app.get("/notes/{note_id}")
    async def note(note_id: int) -> dict[str, int]:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT :value"), {"value": SECRET})
        await outgoing.get("/internal/something")
        logging.getLogger("notes_service.routes").info("answered")
        return {"id": note_id}

    app.add_api_route("/metrics", metrics)
    app.add_api_route("/internal/revocations", metrics)
    app.add_middleware(RequestContextMiddleware, service="notes-service")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client
    await outgoing.aclose()


def by_kind(spans: tuple[ReadableSpan, ...], kind: SpanKind) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is kind]


def outgoing_parent(upstream: Upstream) -> tuple[str, str, str]:
    """(trace id, parent span id, flags) of the one call the app made."""
    [headers] = upstream.headers
    _version, trace_id, span_id, flags = headers["traceparent"].split("-")
    return trace_id, span_id, flags


class TestRequestSpans:
    async def test_named_after_the_route_template(
        self, install: Install, client: httpx.AsyncClient
    ) -> None:
        spans = install()
        assert (await client.get("/notes/42")).status_code == 200
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        assert server.name == "GET /notes/{note_id}"
        assert server.attributes is not None
        assert server.attributes["http.route"] == "/notes/{note_id}"
        assert server.attributes["http.response.status_code"] == 200
        assert server.parent is None  # no traceparent: a new trace

    # An unmatched path is named by its method only; an invented method does
    # not name a span at all.
    @pytest.mark.parametrize(("method", "name"), [("GET", "GET"), ("FROBNICATE", "_OTHER")])
    async def test_an_unmatched_request_is_named_by_method_at_most(
        self, install: Install, client: httpx.AsyncClient, method: str, name: str
    ) -> None:
        spans = install()
        assert (await client.request(method, "/made/up/path")).status_code == 404
        [server] = spans.get_finished_spans()
        assert server.name == name

    async def test_the_callers_trace_is_continued(
        self, install: Install, client: httpx.AsyncClient
    ) -> None:
        spans = install()
        await client.get("/notes/1", headers={"traceparent": traceparent()})
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        assert format(server.context.trace_id, "032x") == TRACE_ID
        assert server.parent is not None
        assert format(server.parent.span_id, "016x") == PARENT_ID

    async def test_an_oversized_traceparent_starts_a_new_trace(
        self, install: Install, client: httpx.AsyncClient
    ) -> None:
        spans = install()
        await client.get("/notes/1", headers={"traceparent": traceparent() + "-" + "a" * 300})
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        assert server.parent is None
        assert format(server.context.trace_id, "032x") != TRACE_ID

    async def test_polls_start_no_trace_but_continue_one(
        self, install: Install, client: httpx.AsyncClient
    ) -> None:
        spans = install()
        await client.get("/metrics")
        await client.get("/internal/revocations")
        assert spans.get_finished_spans() == ()
        await client.get("/internal/revocations", headers={"traceparent": traceparent()})
        [server] = spans.get_finished_spans()
        assert server.name == "GET /internal/revocations"

    async def test_off_without_a_provider(
        self, client: httpx.AsyncClient, upstream: Upstream
    ) -> None:
        """No span of its own: the call goes on under the caller's span id, unchanged."""
        assert telemetry.tracing() is None
        await client.get("/notes/1", headers={"traceparent": traceparent("00")})
        assert outgoing_parent(upstream) == (TRACE_ID, PARENT_ID, "00")


class TestPropagation:
    async def test_database_statements_are_children_without_values(
        self, install: Install, client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        spans = install()
        traced(engine)
        await client.get("/notes/1")
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        statements = [
            span
            for span in by_kind(spans.get_finished_spans(), SpanKind.CLIENT)
            if span.attributes and span.attributes.get("db.system.name") == "postgresql"
        ]
        assert statements, "no database span"
        for span in statements:
            assert span.context.trace_id == server.context.trace_id
            assert span.parent is not None
            assert span.parent.span_id == server.context.span_id
            assert SECRET not in json.dumps(dict(span.attributes or {}))
        assert "SELECT" in {span.name for span in statements}

    async def test_queries_outside_a_request_make_no_trace(
        self, install: Install, engine: AsyncEngine
    ) -> None:
        spans = install()
        traced(engine)
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        assert spans.get_finished_spans() == ()

    async def test_work_off_a_request_may_start_a_trace(
        self, install: Install, engine: AsyncEngine
    ) -> None:
        spans = install()
        traced(engine)
        with telemetry.consumer_span("outbox user.deleted", **{"outbox.event_id": 7}):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        consumer, *statements = sorted(
            spans.get_finished_spans(), key=lambda span: span.kind is not SpanKind.CONSUMER
        )
        assert consumer.name == "outbox user.deleted"
        assert consumer.parent is None
        assert statements
        assert all(s.context.trace_id == consumer.context.trace_id for s in statements)

    def test_stored_work_continues_the_trace_it_was_stored_with(self, install: Install) -> None:
        """A webhook delivery continues the trace of its note change (the stored traceparent)."""
        spans = install()
        with telemetry.consumer_span("webhook note.created", traceparent(), **{"attempt": 1}):
            pass
        [consumer] = spans.get_finished_spans()
        assert consumer.context.trace_id == int(TRACE_ID, 16)
        assert consumer.parent is not None

    async def test_calls_to_other_services_carry_the_request_span(
        self, install: Install, client: httpx.AsyncClient, upstream: Upstream
    ) -> None:
        spans = install()
        await client.get(
            "/notes/1", headers={"traceparent": traceparent(), "tracestate": "vendor=value"}
        )
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        trace_id, parent_id, flags = outgoing_parent(upstream)
        assert (trace_id, parent_id, flags) == (
            TRACE_ID,
            format(server.context.span_id, "016x"),
            "01",
        )
        # Between our own services the caller's tracestate is kept.
        assert upstream.headers[0]["tracestate"] == "vendor=value"

    async def test_without_tracing_calls_carry_the_callers_context(
        self, client: httpx.AsyncClient, upstream: Upstream
    ) -> None:
        """No span of ours: the next service continues the caller's, as the
        OpenTelemetry API does without an SDK."""
        await client.get(
            "/notes/1", headers={"traceparent": traceparent(), "tracestate": "vendor=value"}
        )
        assert outgoing_parent(upstream) == (TRACE_ID, PARENT_ID, "01")
        assert upstream.headers[0]["tracestate"] == "vendor=value"

    async def test_without_tracing_or_a_caller_calls_carry_no_context(
        self, client: httpx.AsyncClient, upstream: Upstream
    ) -> None:
        await client.get("/notes/1")
        [headers] = upstream.headers
        assert "traceparent" not in headers


class TestContinuedWork:
    """Queued work (an outbox event) carried on later in its request's trace."""

    async def test_a_consumer_span_in_the_stored_trace(self, install: Install) -> None:
        spans = install()
        outgoing: list[dict[str, str]] = []
        parent = telemetry.trace_context(traceparent(), "vendor=value")
        with telemetry.continued_span("outbox publish", parent, **{"outbox.events": 3}):
            outgoing.append(dict(telemetry.carrier()))
        [consumer] = spans.get_finished_spans()
        assert consumer.kind is SpanKind.CONSUMER
        assert format(consumer.context.trace_id, "032x") == TRACE_ID
        assert consumer.parent is not None
        assert format(consumer.parent.span_id, "016x") == PARENT_ID
        assert consumer.attributes == {"outbox.events": 3}
        span_id = format(consumer.context.span_id, "016x")
        assert outgoing == [
            {"traceparent": f"00-{TRACE_ID}-{span_id}-01", "tracestate": "vendor=value"}
        ]

    async def test_without_a_stored_context_a_trace_of_its_own(self, install: Install) -> None:
        spans = install()
        with telemetry.continued_span("outbox publish", telemetry.trace_context(None, None)):
            pass
        [consumer] = spans.get_finished_spans()
        assert consumer.parent is None

    def test_without_tracing_the_stored_context_is_carried_as_it_was(self) -> None:
        parent = telemetry.trace_context(traceparent(), None)
        with telemetry.continued_span("outbox publish", parent):
            inside = dict(telemetry.carrier())
        assert inside == {"traceparent": traceparent()}
        assert telemetry.trace_headers() == []  # detached after

    @pytest.mark.parametrize(
        "stored", [None, "", "00-zz-yy-01", traceparent(trace_id="0" * 32), "0" * 300]
    )
    def test_an_unusable_stored_context_is_none(self, stored: str | None) -> None:
        assert telemetry.trace_context(stored, None) is None


class TestPublicEdge:
    """The gateway continues a client's trace id but decides the rest itself."""

    async def test_a_client_cannot_force_recording(
        self, install: Install, client: httpx.AsyncClient, upstream: Upstream
    ) -> None:
        spans = install(public_edge=True, root=ALWAYS_OFF)
        await client.get("/notes/1", headers={"traceparent": traceparent("01")})
        assert spans.get_finished_spans() == ()
        trace_id, _parent, flags = outgoing_parent(upstream)
        assert (trace_id, flags) == (TRACE_ID, "00")  # the id goes on, unrecorded

    async def test_a_client_cannot_hide_a_request(
        self, install: Install, client: httpx.AsyncClient, upstream: Upstream
    ) -> None:
        spans = install(public_edge=True, root=ALWAYS_ON)
        await client.get(
            "/notes/1", headers={"traceparent": traceparent("00"), "tracestate": "a=b"}
        )
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        assert format(server.context.trace_id, "032x") == TRACE_ID
        assert outgoing_parent(upstream)[2] == "01"
        assert "tracestate" not in upstream.headers[0]  # a client's state goes nowhere


class TestLogLines:
    @pytest.fixture(autouse=True)
    def restore_logging(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        monkeypatch.setenv("LOG_FORMAT", "json")
        root = logging.getLogger()
        saved = root.handlers[:], root.level
        yield
        root.handlers[:], level = saved
        root.setLevel(level)

    async def test_every_json_line_carries_the_span(
        self, install: Install, client: httpx.AsyncClient
    ) -> None:
        spans = install()
        out = io.StringIO()
        configure_logging("notes-service", "INFO", stream=out)
        await client.get("/notes/1", headers={"x-request-id": "req-12345678"})
        [server] = by_kind(spans.get_finished_spans(), SpanKind.SERVER)
        entries = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [e["message"] for e in entries] == ["answered", "request"]  # the access line too
        for entry in entries:
            assert entry["request_id"] == "req-12345678"
            assert entry["trace_id"] == format(server.context.trace_id, "032x")
            assert entry["span_id"] == format(server.context.span_id, "016x")

    async def test_without_tracing_the_fields_are_null(self, client: httpx.AsyncClient) -> None:
        out = io.StringIO()
        configure_logging("notes-service", "INFO", stream=out)
        await client.get("/notes/1")
        for line in out.getvalue().splitlines():
            entry = json.loads(line)
            assert (entry["trace_id"], entry["span_id"]) == (None, None)

    async def test_without_tracing_the_callers_trace_id_is_kept(
        self, client: httpx.AsyncClient
    ) -> None:
        """Propagation without export: a consumer who sent a trace id finds its lines.

        No span of this service's own exists (none is recorded), so span_id stays null.
        """
        out = io.StringIO()
        configure_logging("notes-service", "INFO", stream=out)
        await client.get("/notes/1", headers={"traceparent": traceparent()})
        entries = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [e["message"] for e in entries] == ["answered", "request"]
        for entry in entries:
            assert (entry["trace_id"], entry["span_id"]) == (TRACE_ID, None)

    async def test_without_tracing_an_unusable_traceparent_is_no_trace(
        self, client: httpx.AsyncClient
    ) -> None:
        out = io.StringIO()
        configure_logging("notes-service", "INFO", stream=out)
        for value in ("00-" + "0" * 32 + "-" + PARENT_ID + "-01", traceparent() + "-" + "x" * 300):
            await client.get("/notes/1", headers={"traceparent": value})
        entries = [json.loads(line) for line in out.getvalue().splitlines()]
        assert len(entries) == 4
        assert {entry["trace_id"] for entry in entries} == {None}

    async def test_without_tracing_the_console_line_names_the_trace(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("LOG_FORMAT", "console")
        out = io.StringIO()
        configure_logging("notes-service", "INFO", stream=out)
        await client.get("/notes/1", headers={"traceparent": traceparent()})
        lines = out.getvalue().splitlines()
        assert len(lines) == 2
        assert all(line.endswith(f" trace={TRACE_ID[:8]}") for line in lines)


class TestConfiguration:
    def test_without_tracing_an_engine_gets_no_statement_events(self, engine: AsyncEngine) -> None:
        assert not telemetry.trace_engine(engine)
        assert not event.contains(engine.sync_engine, "before_cursor_execute", _before)

    def test_off_unless_an_endpoint_is_set(self) -> None:
        assert not telemetry.configure_tracing("notes-service", environ={})
        assert telemetry.tracing() is None
        assert not telemetry.tracing_requested(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}
        )
        assert not telemetry.tracing_requested(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"}
        )

    @pytest.mark.parametrize(
        ("environ", "name"),
        [
            ({}, "notes-service"),
            ({"OTEL_SERVICE_NAME": "notes-eu-1"}, "notes-eu-1"),
        ],
    )
    def test_the_standard_variables_name_the_service(
        self, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], name: str
    ) -> None:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
        for key, value in environ.items():
            monkeypatch.setenv(key, value)
        try:
            assert telemetry.configure_tracing("notes-service")
            current = telemetry.tracing()
            assert current is not None
            assert current.provider.resource.attributes["service.name"] == name
            assert isinstance(current.provider.sampler, telemetry.RequestSampler)
        finally:
            current = telemetry.tracing()
            telemetry.uninstall_tracing()
            if current is not None:
                current.provider.shutdown()
