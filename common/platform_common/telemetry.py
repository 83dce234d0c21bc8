"""Traces across the services: OpenTelemetry, exported over OTLP when configured.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
is set: then no tracer provider is installed and no span is made (database
spans return after one `is None` check), but a caller's trace context is still
propagated, as the OpenTelemetry API does without an SDK: its trace id is in
every log line of the request and goes on to the services called, so a
consumer who sends a `traceparent` finds the platform's lines for it (the
span id of those lines stays null: no span of this service's exists). On, the
standard `OTEL_*` variables apply (service name, resource attributes, sampler,
batch and exporter settings), read by the SDK itself.

Where traces start and what they carry:

- A request starts a span (platform_common.observability) named after its
  route template (`GET /notes/{note_id}`), continuing the caller's W3C
  `traceparent`. Metric scrapes, probes and internal polls (GET) start no
  trace of their own: they only continue one a caller sent.
- A span without a parent starts a trace only when it serves a request
  (SERVER) or delivers a queued event (CONSUMER): database queries of
  background loops make no traces of their own.
- The gateway faces the internet (`public_edge`): it continues a client's
  trace id, so a client can find its request, but decides itself whether to
  record it (a client cannot make every request recorded, nor hide one), and
  ignores the client's `tracestate` and `baggage` (which it never forwards).
  Untraced, it passes the trace id on marked unsampled: the client's flag is
  not its to pass on.
- Calls to other services (`trace_headers`, `inject_trace_context`) and
  database queries (`trace_engine`) are children of the current span.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    Sampler,
    SamplingResult,
    _get_from_env_or_default,
)
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# W3C trace context only: baggage is not used by these services, and a header
# nobody reads is one a client could fill for nothing.
PROPAGATOR = TraceContextTextMapPropagator()
# A version-00 traceparent is 55 characters; later versions may append fields.
# Longer ones are ignored before parsing (the parser would log each one).
MAX_TRACEPARENT_LENGTH = 256
# Kinds of span that may start a trace (see the module's docstring).
_ROOT_KINDS = frozenset({SpanKind.SERVER, SpanKind.CONSUMER})
_EMPTY_CONTEXT = otel_context.Context()
# Any token is a valid HTTP method: others are named `_OTHER` (OpenTelemetry's
# convention) so that a client cannot invent span names.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestSampler(Sampler):
    """Wraps the configured sampler (`OTEL_TRACES_SAMPLER`, parent-based by default)."""

    def __init__(self, delegate: Sampler, *, public_edge: bool) -> None:
        self._delegate = delegate
        self._public_edge = public_edge

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Any = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if not parent.is_valid:
            if kind not in _ROOT_KINDS:
                return SamplingResult(Decision.DROP)
        elif parent.is_remote and self._public_edge:
            # Decided as for a new trace (same trace id): the client's sampled flag is not ours.
            parent_context = _EMPTY_CONTEXT
        return self._delegate.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"RequestSampler({self._delegate.get_description()})"


@dataclass
class Tracing:
    provider: TracerProvider
    tracer: trace.Tracer
    public_edge: bool


_tracing: Tracing | None = None


def tracing_requested(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces (an OTLP endpoint, and the SDK not disabled)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def configure_tracing(
    service: str, *, public_edge: bool = False, environ: Mapping[str, str] | None = None
) -> bool:
    """Install the process's tracer provider if the environment asks for one.

    Once per process: later calls (another app built in the same process)
    keep the first. `OTEL_SERVICE_NAME`, when set, names the service.
    """
    env = os.environ if environ is None else environ
    if _tracing is not None:
        return True
    if not tracing_requested(env):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    attributes = {} if env.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service}
    provider = TracerProvider(
        resource=Resource.create(attributes),
        sampler=RequestSampler(_get_from_env_or_default(), public_edge=public_edge),
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    install_tracing(provider, public_edge=public_edge)
    return True


def install_tracing(provider: TracerProvider, *, public_edge: bool = False) -> None:
    """Trace with `provider` from now on (configure_tracing; tests, with an in-memory exporter)."""
    global _tracing
    _tracing = Tracing(provider, provider.get_tracer("platform_common"), public_edge)


def uninstall_tracing() -> None:
    """Back to no tracing (tests); the provider is the caller's to shut down."""
    global _tracing
    _tracing = None


def tracing() -> Tracing | None:
    return _tracing


# ---- incoming requests ----------------------------------------------------


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def incoming_context(
    headers: list[tuple[bytes, bytes]], *, public_edge: bool
) -> otel_context.Context | None:
    """The caller's trace, from ASGI headers; None when it sent none (or an unusable one)."""
    state = None if public_edge else _header(headers, b"tracestate")
    return trace_context(_header(headers, b"traceparent"), state)


def trace_context(traceparent: str | None, tracestate: str | None) -> otel_context.Context | None:
    """The context a `traceparent` (and `tracestate`) names: a caller's, or one
    stored with queued work (`trace_headers()` when it was queued); None if unusable."""
    if traceparent is None or len(traceparent) > MAX_TRACEPARENT_LENGTH:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate is not None:
        carrier["tracestate"] = tracestate  # the propagator bounds its size and entries
    extracted = PROPAGATOR.extract(carrier, context=_EMPTY_CONTEXT)
    if not trace.get_current_span(extracted).get_span_context().is_valid:
        return None
    return extracted


class ServerSpan:
    """The span of one request, current until `end()`."""

    __slots__ = ("_method", "_span", "_token")

    def __init__(self, span: trace.Span, method: str) -> None:
        self._span = span
        self._method = method
        self._token = otel_context.attach(trace.set_span_in_context(span))

    def end(self, route: str | None, status: int) -> None:
        span = self._span
        if span.is_recording():
            if route is not None:
                # The template, never the raw path: span names stay a bounded set.
                span.update_name(f"{self._method} {route}")
                span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
        span.end()
        otel_context.detach(self._token)


class CallerTrace:
    """Tracing off: the caller's trace context, current until `end()` (no span of our own)."""

    __slots__ = ("_token",)

    def __init__(self, context: otel_context.Context) -> None:
        self._token = otel_context.attach(context)

    def end(self, _route: str | None, _status: int) -> None:
        otel_context.detach(self._token)


def _unsampled(context: otel_context.Context) -> otel_context.Context:
    """The same trace and parent, its sampled flag cleared."""
    caller = trace.get_current_span(context).get_span_context()
    cleared = SpanContext(
        caller.trace_id, caller.span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.DEFAULT)
    )
    return trace.set_span_in_context(NonRecordingSpan(cleared), _EMPTY_CONTEXT)


def start_server_span(
    headers: list[tuple[bytes, bytes]],
    *,
    method: str,
    path: str,
    polled: bool,
    public_edge: bool = False,
) -> ServerSpan | CallerTrace | None:
    """A span for a request just received, continuing the caller's trace.

    Tracing off: the caller's context alone (CallerTrace), None without one.
    On: None for a `polled` request (scrape, probe, internal poll) that
    continues no trace. `public_edge`: the app faces the internet (or the
    installed tracing says so).
    """
    current = _tracing
    if current is None:
        caller = incoming_context(headers, public_edge=public_edge)
        if caller is None:
            return None
        return CallerTrace(_unsampled(caller) if public_edge else caller)
    parent = incoming_context(headers, public_edge=current.public_edge or public_edge)
    if parent is None and polled:
        return None
    method = method if method in _KNOWN_METHODS else "_OTHER"
    span = current.tracer.start_span(
        method,
        context=parent,
        kind=SpanKind.SERVER,
        attributes={"http.request.method": method, "url.path": path},
    )
    return ServerSpan(span, method)


# ---- outgoing calls -------------------------------------------------------


def trace_headers() -> list[tuple[bytes, bytes]]:
    """`traceparent` (and our `tracestate`) for a call made within the current
    span, or the caller's context when tracing is off; none outside a trace."""
    if not otel_context.get_current():
        # No trace (an empty context: the usual request with tracing off): the
        # propagator would look up a span that is not there, per proxied request.
        return []
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in carrier().items()]


def carrier() -> dict[str, str]:
    """trace_headers() as text: the context to store with queued work (trace_context reads it)."""
    values: dict[str, str] = {}
    PROPAGATOR.inject(values)
    return values


async def inject_trace_context(request: httpx.Request) -> None:
    """An httpx request hook: the call continues the current trace (see trace_headers)."""
    PROPAGATOR.inject(request.headers)


@contextmanager
def consumer_span(
    name: str, traceparent: str | None = None, /, **attributes: str | int
) -> Iterator[None]:
    """A span for work done off a request (an outbox event): it may start a trace,
    or continue the one whose W3C `traceparent` was stored with the work (a
    webhook delivery continues its note change's)."""
    current = _tracing
    if current is None:
        yield
        return
    parent = PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None
    with current.tracer.start_as_current_span(
        name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield


@contextmanager
def continued_span(
    name: str, parent: otel_context.Context | None, **attributes: str | int
) -> Iterator[None]:
    """Work done later for a request (an outbox event it wrote), in that request's trace.

    On: a CONSUMER span, child of `parent` (a trace of its own without one).
    Off: `parent` made current, so calls made within carry it on, as for a
    request (CallerTrace).
    """
    current = _tracing
    if current is None:
        if parent is None:
            yield
            return
        token = otel_context.attach(parent)
        try:
            yield
        finally:
            otel_context.detach(token)
        return
    with current.tracer.start_as_current_span(
        name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield


# ---- database -------------------------------------------------------------

_SPAN_ATTRIBUTE = "_platform_span"
MAX_STATEMENT_CHARS = 2000


def _before_cursor_execute(
    conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    current = _tracing
    if current is None or context is None or not trace.get_current_span().is_recording():
        return
    operation = statement.split(None, 1)[0].upper() if statement.strip() else "SQL"
    span = current.tracer.start_span(
        operation,
        kind=SpanKind.CLIENT,
        attributes={
            "db.system.name": "postgresql",
            "db.namespace": conn.engine.url.database or "",
            "db.operation.name": operation,
            # Placeholders only: parameter values (emails, hashes) never leave the process.
            "db.query.text": statement[:MAX_STATEMENT_CHARS],
        },
    )
    setattr(context, _SPAN_ATTRIBUTE, span)


def _after_cursor_execute(
    _conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    span = getattr(context, _SPAN_ATTRIBUTE, None)
    if span is not None:
        span.end()
        setattr(context, _SPAN_ATTRIBUTE, None)


def _handle_error(exception_context: Any) -> None:
    span = getattr(exception_context.execution_context, _SPAN_ATTRIBUTE, None)
    if span is not None:
        error = exception_context.original_exception
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()
        setattr(exception_context.execution_context, _SPAN_ATTRIBUTE, None)


@contextmanager
def statement_span(statement: str, database: str) -> Iterator[None]:
    """The span of one statement run without SQLAlchemy's engine (notes-service's
    asyncpg hot paths), shaped like trace_engine's; nothing when tracing is off
    or the request is not traced."""
    current = _tracing
    if current is None or not trace.get_current_span().is_recording():
        yield
        return
    operation = statement.split(None, 1)[0].upper() if statement.strip() else "SQL"
    attributes = {
        "db.system.name": "postgresql",
        "db.namespace": database,
        "db.operation.name": operation,
        "db.query.text": statement[:MAX_STATEMENT_CHARS],
    }
    with current.tracer.start_as_current_span(
        operation, kind=SpanKind.CLIENT, attributes=attributes
    ):
        yield


def trace_engine(engine: AsyncEngine) -> bool:
    """One span per statement, child of the current span (none outside a traced request).

    Only when tracing is on (configured before the engine is built, as
    create_service_app does before the lifespan runs), so that an untraced
    process runs no statement event at all.
    """
    if _tracing is None:
        return False
    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(sync_engine, "after_cursor_execute", _after_cursor_execute)
    event.listen(sync_engine, "handle_error", _handle_error)
    return True


# ---- logs -----------------------------------------------------------------


def current_ids() -> tuple[str, str | None] | None:
    """(trace id, span id) in hex of the current span, None outside a trace.

    Tracing off, the span id is None: the context is the caller's, no span of ours.
    """
    if not otel_context.get_current():  # as in trace_headers: once per access line
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    if _tracing is None:
        return format(context.trace_id, "032x"), None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
