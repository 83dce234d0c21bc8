"""Traces across the real processes (issue 17): one request through the gateway
yields the gateway's, the service's and the database's spans in one trace.

A platform of its own (same Postgres server, a database of its own, other
ports) exports over OTLP to a local receiver (otlp_receiver.py); the suite's
shared platform runs untraced. Its own database: the shared platform's outbox
dispatcher would otherwise deliver this platform's events, untraced.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator

import pytest
from api_client import ApiClient
from otlp_receiver import OtlpReceiver, ReceivedSpan, render
from systems import empty_database, eventually, running_system

GATEWAY, AUTH, NOTES = "gateway", "auth-service", "notes-service"
logger = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def traced_database(database_url: str) -> Iterator[str]:
    with empty_database(database_url, "e2e_traced") as url:
        yield url


@pytest.fixture(scope="module")
def traced(traced_database: str, receiver: OtlpReceiver) -> Iterator[ApiClient]:
    with (
        tempfile.TemporaryDirectory(prefix="e2e-traced-") as data_dir,
        running_system(
            traced_database,
            {
                "PLATFORM_DATA_DIR": data_dir,
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                # Export within a tenth of a second, not the default five.
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "AUTH_LOGIN_LIMIT_PER_ADDRESS": "1000000",
                "AUTH_OUTBOX_BACKOFF_CAP_SECONDS": "2",
            },
        ) as system,
        ApiClient(system.url("gateway")) as api,
    ):
        yield api


def new_trace_id() -> str:
    return secrets.token_hex(16)


def traceparent(trace_id: str) -> dict[str, str]:
    return {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}


def one(spans: list[ReceivedSpan], service: str, kind: str, name: str) -> ReceivedSpan:
    found = [s for s in spans if (s.service, s.kind, s.name) == (service, kind, name)]
    assert len(found) == 1, render(spans)
    return found[0]


def database_spans(spans: list[ReceivedSpan], service: str) -> list[ReceivedSpan]:
    return [
        s
        for s in spans
        if s.service == service and s.attributes.get("db.system.name") == "postgresql"
    ]


def descends_from(span: ReceivedSpan, ancestor: ReceivedSpan, spans: list[ReceivedSpan]) -> bool:
    by_id = {s.span_id: s for s in spans}
    current: ReceivedSpan | None = span
    while current is not None and current.parent_id:
        if current.parent_id == ancestor.span_id:
            return True
        current = by_id.get(current.parent_id)
    return False


def test_one_request_is_one_trace_across_gateway_service_and_database(
    traced: ApiClient, receiver: OtlpReceiver
) -> None:
    headers = traced.new_user()
    trace_id = new_trace_id()
    response = traced.http.post(
        "/notes/",
        json={"title": "traced", "description": "one trace"},
        headers={**headers, **traceparent(trace_id)},
    )
    assert response.status_code == 201, response.text

    def complete() -> bool:
        # Each process exports in batches of its own: a service's statement
        # spans can arrive a batch before its server span, which ends last.
        spans = receiver.spans(trace_id)
        servers = {(s.service, s.name) for s in spans if s.kind == "server"}
        expected = {(GATEWAY, "POST /notes"), (NOTES, "POST /notes")}
        return expected <= servers and bool(database_spans(spans, NOTES))

    eventually(complete, within=10)
    spans = receiver.spans(trace_id)
    # The trace as a tree with durations: `pytest -o log_cli=true test_tracing.py` shows it.
    logger.info("trace of POST /notes/ through the gateway:\n%s", render(spans))

    gateway = one(spans, GATEWAY, "server", "POST /notes")
    notes = one(spans, NOTES, "server", "POST /notes")
    assert notes.parent_id == gateway.span_id  # the gateway's span is what notes continued
    statements = database_spans(spans, NOTES)
    # The note's INSERT (with its outbox event, one `WITH ... INSERT` statement).
    texts = [str(s.attributes.get("db.query.text", "")) for s in statements]
    assert any("INSERT INTO notes.notes " in text for text in texts), texts
    assert all(descends_from(s, notes, spans) for s in statements)
    # Span names are templates, never a raw path with an id in it.
    note_id = str(response.json()["id"])
    assert all(note_id not in s.name for s in spans)


def test_a_route_with_an_id_is_named_by_its_template(
    traced: ApiClient, receiver: OtlpReceiver
) -> None:
    headers = traced.new_user()
    note = traced.create_note(headers)
    trace_id = new_trace_id()
    response = traced.http.get(f"/notes/{note['id']}", headers={**headers, **traceparent(trace_id)})
    assert response.status_code == 200

    def both_servers() -> bool:
        services = {s.service for s in receiver.spans(trace_id) if s.kind == "server"}
        return {GATEWAY, NOTES} <= services

    eventually(both_servers, within=10)
    spans = receiver.spans(trace_id)
    one(spans, GATEWAY, "server", "GET /notes/{note_id}")
    one(spans, NOTES, "server", "GET /notes/{note_id}")


def test_the_outbox_purge_continues_the_delivery_trace(
    traced: ApiClient, receiver: OtlpReceiver
) -> None:
    user = traced.register()
    tokens = traced.login(user["email"], user["password"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    traced.create_note(headers)
    assert traced.delete_account(headers, user["password"]).status_code == 204

    def purge_spans() -> list[ReceivedSpan]:
        return [
            s
            for s in receiver.spans()
            if s.service == NOTES and s.name == "DELETE /internal/users/{user_id}/notes"
        ]

    def delivery_exported() -> bool:
        # Each process exports on its own schedule: the purge's span can arrive
        # before the delivery that caused it, which ends after the purge answers.
        return any(
            (s.service, s.kind, s.name) == (AUTH, "consumer", "outbox user.deleted")
            for purge in purge_spans()
            for s in receiver.spans(purge.trace_id)
        )

    eventually(delivery_exported, within=15)
    [purge] = purge_spans()
    spans = receiver.spans(purge.trace_id)
    delivery = one(spans, AUTH, "consumer", "outbox user.deleted")
    assert purge.parent_id == delivery.span_id
    assert database_spans(spans, NOTES), render(spans)
