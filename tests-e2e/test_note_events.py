"""Note changes reach webhooks-service (issue 30, item 3), through real processes:
notes-service's outbox publisher, with a client-credentials token from the real
auth-service (`make run` wires the client: deploy/run_local.py), sends to a
stand-in for webhooks-service's ingest (events_receiver.py) that records
what it gets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_client import ApiClient
from jose import jwt
from run_local import LocalSystem
from systems import eventually, restart_with, small_app


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    with small_app("events_receiver") as url:
        yield url


@pytest.fixture(scope="module")
def publishing(system: LocalSystem, receiver: str) -> Iterator[str]:
    """notes-service publishing to the receiver for this module."""
    original = dict(system.extra_env)
    restart_with(
        system,
        "notes-service",
        {
            **original,
            "NOTES_WEBHOOKS_URL": receiver,
            "NOTES_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
            "NOTES_OUTBOX_BACKOFF_BASE_SECONDS": "0.2",
            "NOTES_OUTBOX_BACKOFF_CAP_SECONDS": "0.5",
        },
    )
    try:
        yield receiver
    finally:
        restart_with(system, "notes-service", original)


def events_of(receiver: str, owner: str) -> list[dict[str, Any]]:
    """The events of `owner` acknowledged so far, in the order they were sent."""
    calls = httpx.get(receiver + "/received", timeout=5).json()
    return [
        e
        for call in calls
        if call["status"] == 200
        for e in call["events"]
        if e["owner_id"] == owner
    ]


def owner_of(api: ApiClient, headers: dict[str, str]) -> str:
    return str(api.me(headers)["id"])


def test_each_change_is_published_in_order_with_a_service_token(
    api: ApiClient, publishing: str, system: LocalSystem
) -> None:
    headers = api.new_user()
    owner = owner_of(api, headers)
    trace_id = uuid.uuid4().hex
    traced = {**headers, "traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}
    note = api.create_note(traced)
    path = f"/notes/{note['id']}"
    patched = api.http.patch(path, json={"title": "changed"}, headers=headers)
    deleted = api.http.delete(path, headers=headers)
    assert (patched.status_code, deleted.status_code) == (200, 200)

    eventually(lambda: len(events_of(publishing, owner)) == 3, within=30)
    events = events_of(publishing, owner)
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("note.created", 1),
        ("note.updated", 2),
        ("note.deleted", 3),
    ]
    assert [e["data"] for e in events] == [note, patched.json(), {"id": note["id"]}]
    assert {e["note_id"] for e in events} == {note["id"]}
    assert len({e["id"] for e in events}) == 3

    # The event carries the request's trace, which its deliveries continue.
    assert events[0]["traceparent"].split("-")[1] == trace_id
    calls = httpx.get(publishing + "/received", timeout=5).json()
    created_call = next(c for c in calls if any(e["id"] == events[0]["id"] for e in c["events"]))
    # A token of auth-service for notes-service's client, for webhooks-service.
    token = created_call["headers"]["authorization"].removeprefix("Bearer ")
    jwks = httpx.get(f"{system.public_url}/auth/.well-known/jwks.json", timeout=5).json()
    claims = jwt.decode(
        token,
        jwks,
        algorithms=["RS256"],
        audience="webhooks-service",
        options={"verify_iss": False},
    )
    assert (claims["sub"], claims["scope"]) == ("notes-service", "webhooks:publish")


def test_nothing_is_lost_while_webhooks_service_fails(api: ApiClient, publishing: str) -> None:
    headers = api.new_user()
    owner = owner_of(api, headers)
    httpx.post(publishing + "/fail", json=[503, 503, 500], timeout=5)
    notes = [api.create_note(headers, title=f"note {k}") for k in range(5)]

    eventually(lambda: len(events_of(publishing, owner)) == 5, within=30)
    assert sorted(e["note_id"] for e in events_of(publishing, owner)) == sorted(
        n["id"] for n in notes
    )
