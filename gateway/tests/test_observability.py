"""The gateway's traces and breaker gauge (issue 17).

Trace context: the client's trace id goes on, its words do not; the
gateway's own span is what the upstream continues. The breaker's state is
read from `/metrics` as Prometheus reads it.
"""

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import respx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from opentelemetry.trace import SpanKind

from gateway.main import create_app
from platform_common import telemetry
from platform_common.testing.contract import Contract
from platform_common.testing.metrics import metric_value
from tests.conftest import INTERNAL_ADDRESS, NOTE, NOTES_URL, asgi_client, make_settings

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CLIENT_CONTEXT = {
    "traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01",
    "tracestate": "evil=" + "x" * 200,
    "baggage": "user=admin",
}


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        sampler=telemetry.RequestSampler(ParentBased(ALWAYS_ON), public_edge=True)
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.install_tracing(provider, public_edge=True)
    yield exporter
    telemetry.uninstall_tracing()
    provider.shutdown()


@pytest.fixture
def note_route(mock: respx.MockRouter, notes_contract: Contract) -> respx.Route:
    return notes_contract.route(
        mock, "GET", "/notes/1", template="/notes/{note_id}", status=200, json=NOTE
    )


async def forwarded_headers(
    client: httpx.AsyncClient, note_route: respx.Route, auth_headers: dict[str, str]
) -> httpx.Headers:
    """GET a note carrying the client's trace context: the headers the upstream was sent."""
    response = await client.get("/notes/1", headers={**auth_headers, **CLIENT_CONTEXT})
    assert response.status_code == 200
    return note_route.calls.last.request.headers


class TestTraceContext:
    async def test_without_tracing_the_trace_id_goes_on_unrecorded(
        self, client: httpx.AsyncClient, note_route: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        """Propagation without export: the services' log lines carry the client's
        trace id; its sampled flag is not the gateway's to pass on, nor its words."""
        sent = await forwarded_headers(client, note_route, auth_headers)
        assert sent["traceparent"] == f"00-{TRACE_ID}-b7ad6b7169203331-00"
        assert not {"tracestate", "baggage"} & set(sent.keys())

    async def test_without_tracing_or_a_client_trace_no_context_is_sent(
        self, client: httpx.AsyncClient, note_route: respx.Route, auth_headers: dict[str, str]
    ) -> None:
        response = await client.get("/notes/1", headers=auth_headers)
        assert response.status_code == 200
        assert "traceparent" not in note_route.calls.last.request.headers

    async def test_the_upstream_continues_the_gateways_span(
        self,
        spans: InMemorySpanExporter,
        client: httpx.AsyncClient,
        note_route: respx.Route,
        auth_headers: dict[str, str],
    ) -> None:
        sent = await forwarded_headers(client, note_route, auth_headers)
        [server] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
        assert server.name == "GET /notes/{note_id}"
        assert format(server.context.trace_id, "032x") == TRACE_ID
        gateway_span = format(server.context.span_id, "016x")
        assert sent["traceparent"] == f"00-{TRACE_ID}-{gateway_span}-01"
        assert "tracestate" not in sent
        assert "baggage" not in sent


class TestBreakerGauge:
    async def test_open_from_the_opening_failure_until_a_success(
        self,
        mock: respx.MockRouter,
        notes_contract: Contract,
        auth_headers: dict[str, str],
    ) -> None:
        app = create_app(make_settings(circuit_failure_threshold=2, circuit_reset_seconds=0.1))
        route = mock.get(f"{NOTES_URL}/notes/1").mock(side_effect=httpx.ReadTimeout("slow"))

        async def breaker_open(upstream: str) -> float | None:
            async with asgi_client(app, INTERNAL_ADDRESS) as internal:
                scrape = (await internal.get("/metrics")).text
            return metric_value(scrape, "gateway_circuit_breaker_open", upstream=upstream)

        async with app.router.lifespan_context(app), asgi_client(app) as client:
            assert await breaker_open("notes-service") == 0
            assert await breaker_open("auth-service") == 0
            for _ in range(2):
                assert (await client.get("/notes/1", headers=auth_headers)).status_code == 504
            assert await breaker_open("notes-service") == 1
            assert await breaker_open("auth-service") == 0
            await asyncio.sleep(0.15)  # the cool-down: the next request is the trial
            route.mock(
                side_effect=lambda _: notes_contract.response(
                    "GET", "/notes/{note_id}", status=200, json=NOTE
                )
            )
            assert (await client.get("/notes/1", headers=auth_headers)).status_code == 200
            assert await breaker_open("notes-service") == 0
