"""Webhooks end to end: real processes, a receiver verifying every delivery with
the `standardwebhooks` library, and the faults a delivery must survive."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from api_client import ApiClient, bearer
from run_local import LocalSystem, free_port
from systems import ENDPOINTS_OF, eventually, restart_with, rows_of
from webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(port=free_port())
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def create_endpoint(
    api: ApiClient, user: dict[str, str], receiver: WebhookReceiver, path: str
) -> dict[str, Any]:
    response = api.http.post("/webhooks/endpoints", json={"url": receiver.url(path)}, headers=user)
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    receiver.secrets[path] = endpoint["secret"]
    return endpoint


def owner_of(api: ApiClient, user: dict[str, str]) -> str:
    return str(api.me(user)["id"])


def change_notes(api: ApiClient, user: dict[str, str], *, notes: int, changes: int) -> int:
    """`changes` changes of each of `notes` new notes through the gateway (a create, then
    PATCHes), interleaved; each acknowledged (201, 200). Their number: what must arrive."""
    ids = [api.create_note(user, title="version 1")["id"] for _ in range(notes)]
    for sequence in range(2, changes + 1):
        for note_id in ids:
            response = api.http.patch(
                f"/notes/{note_id}", json={"title": f"version {sequence}"}, headers=user
            )
            assert response.status_code == 200, response.text
    return notes * changes


def sequences_by_note(receiver: WebhookReceiver) -> dict[str, list[int]]:
    """Each note's sequences in the order received (its data's `title` names the note's index)."""
    order: dict[str, list[int]] = {}
    for delivery in receiver.received:
        data = delivery.payload["data"]
        if "sequence" in data:
            order.setdefault(str(data["id"]), []).append(data["sequence"])
    return order


def all_arrived_in_order(
    receiver: WebhookReceiver, changed: int, *, sequences: list[int], within: float
) -> None:
    """Every one of the `changed` deliveries arrives, signed, and each note's
    `sequences` in order (a retried one may arrive twice)."""
    eventually(lambda: len({d.webhook_id for d in receiver.received}) == changed, within=within)
    assert receiver.unverified == []
    for received in sequences_by_note(receiver).values():
        assert received == sorted(received)
        assert sorted(set(received)) == sequences


def attempts_failed(api: ApiClient, user: dict[str, str]) -> int:
    [endpoint] = api.http.get("/webhooks/endpoints", headers=user).json()
    deliveries = api.http.get(
        f"/webhooks/endpoints/{endpoint['id']}/deliveries", headers=user
    ).json()
    return sum(a["outcome"] != "delivered" for d in deliveries for a in d["attempts"])


def test_a_test_event_is_signed_and_verified(api: ApiClient, receiver: WebhookReceiver) -> None:
    user = api.new_user()
    endpoint = create_endpoint(api, user, receiver, "/signed")
    response = api.http.post(f"/webhooks/endpoints/{endpoint['id']}/test", headers=user)
    assert response.status_code == 202
    eventually(lambda: len(receiver.received) == 1, within=15)
    assert receiver.unverified == []
    assert receiver.received[0].payload["type"] == "webhook.test"
    deliveries = api.http.get(f"/webhooks/endpoints/{endpoint['id']}/deliveries", headers=user)
    [delivery] = deliveries.json()
    assert delivery["state"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [204]


def test_receiver_down_then_back_gets_everything_in_order(
    system: LocalSystem, api: ApiClient, receiver: WebhookReceiver
) -> None:
    user = api.new_user()
    create_endpoint(api, user, receiver, "/down")
    receiver.stop()
    changed = change_notes(api, user, notes=5, changes=4)
    # Attempts fail against the closed port meanwhile (retried every second or so).
    eventually(lambda: attempts_failed(api, user) > 0, within=15)
    receiver.start()
    all_arrived_in_order(receiver, changed, sequences=[1, 2, 3, 4], within=60)


# Issue 30's outage: the receiver away this long, with the retry schedule below
# (1 + 2 + 4 + 8 + 16 + 30 x 6 s, about 3.5 minutes, more than the outage).
OUTAGE_SECONDS = 120
OUTAGE_SCHEDULE = "[1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30]"


@pytest.fixture
def long_retries(system: LocalSystem) -> Iterator[None]:
    """webhooks-service retrying over minutes (the e2e system's own schedule spans seconds)."""
    original = dict(system.extra_env)
    restart_with(
        system,
        "webhooks-service",
        {**original, "WEBHOOKS_RETRY_SCHEDULE_SECONDS": OUTAGE_SCHEDULE},
    )
    try:
        yield
    finally:
        restart_with(system, "webhooks-service", original)


@pytest.mark.usefixtures("long_retries")
def test_receiver_down_two_minutes_then_back_gets_everything_in_order(
    api: ApiClient, receiver: WebhookReceiver
) -> None:
    user = api.new_user()
    create_endpoint(api, user, receiver, "/outage")
    receiver.stop()
    went_down = time.monotonic()
    changed = change_notes(api, user, notes=5, changes=4)
    eventually(lambda: attempts_failed(api, user) > 0, within=15)
    time.sleep(max(0.0, went_down + OUTAGE_SECONDS - time.monotonic()))
    # Still owed after the outage: nothing was given up on, nothing arrived.
    assert receiver.received == []
    assert attempts_failed(api, user) >= changed
    receiver.start()
    # The next attempt of each delivery is at most one step of the schedule away.
    all_arrived_in_order(receiver, changed, sequences=[1, 2, 3, 4], within=90)


def test_sigkill_mid_delivery_loses_nothing(
    system: LocalSystem, api: ApiClient, receiver: WebhookReceiver
) -> None:
    user = api.new_user()
    create_endpoint(api, user, receiver, "/killed")
    receiver.delay_seconds = 0.3
    changed = change_notes(api, user, notes=10, changes=3)
    eventually(lambda: len(receiver.received) >= 3, within=30)
    os.kill(system.processes["webhooks-service"].pid, signal.SIGKILL)
    system.processes["webhooks-service"].wait(timeout=10)
    receiver.delay_seconds = 0.0
    system.start("webhooks-service")
    system.wait_ready("webhooks-service")
    eventually(lambda: len({d.webhook_id for d in receiver.received}) == changed, within=90)
    assert receiver.unverified == []
    received = {
        (str(d.payload["data"]["id"]), d.payload["data"]["sequence"]) for d in receiver.received
    }
    assert len(received) == changed  # every acknowledged change, none lost
    for sequences in sequences_by_note(receiver).values():
        assert sequences == sorted(sequences)


def test_410_disables_the_endpoint(api: ApiClient, receiver: WebhookReceiver) -> None:
    user = api.new_user()
    endpoint = create_endpoint(api, user, receiver, "/gone")
    receiver.status_by_path["/gone"] = 410
    api.http.post(f"/webhooks/endpoints/{endpoint['id']}/test", headers=user)

    def disabled() -> bool:
        body = api.http.get(f"/webhooks/endpoints/{endpoint['id']}", headers=user).json()
        return body["enabled"] is False and body["disabled_reason"] == "gone"

    eventually(disabled, within=15)


def test_the_owner_of_a_disabled_endpoint_is_mailed(
    system: LocalSystem, api: ApiClient, receiver: WebhookReceiver
) -> None:
    """webhooks-service asks auth-service (its notices route, its own client)
    to mail the owner; without SMTP the mail is a file (make run's default)."""
    user = api.new_user()
    address = api.me(user)["email"]
    endpoint = create_endpoint(api, user, receiver, "/gone-mailed")
    receiver.status_by_path["/gone-mailed"] = 410
    api.http.post(f"/webhooks/endpoints/{endpoint['id']}/test", headers=user)
    mail_dir = Path(system.extra_env["PLATFORM_DATA_DIR"]) / "mail"

    def notices() -> list[EmailMessage]:
        files = sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []
        mails = [message_from_bytes(f.read_bytes(), policy=default) for f in files]
        return [m for m in mails if m["To"] == address and "disabled" in m["Subject"]]

    eventually(lambda: len(notices()) == 1, within=30)
    [mail] = notices()
    assert receiver.url("/gone-mailed") in mail["Subject"]
    body = mail.get_body(("plain",))
    assert body is not None
    assert "410 Gone" in body.get_content()


def test_one_person_cannot_see_change_or_test_anothers(
    api: ApiClient, receiver: WebhookReceiver
) -> None:
    alice, bob = api.new_user(), api.new_user()
    endpoint = create_endpoint(api, alice, receiver, "/private")
    path = f"/webhooks/endpoints/{endpoint['id']}"
    assert api.http.get(path, headers=bob).status_code == 404
    assert api.http.patch(path, json={"enabled": False}, headers=bob).status_code == 404
    assert api.http.post(f"{path}/test", headers=bob).status_code == 404
    assert api.http.get(f"{path}/deliveries", headers=bob).status_code == 404
    assert api.http.delete(path, headers=bob).status_code == 404
    assert api.http.get("/webhooks/endpoints", headers=bob).json() == []
    assert api.http.get(path, headers=alice).json()["enabled"] is True


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/hook",
        "http://2130706433/hook",
        "http://0x7f.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
    ],
)
def test_internal_addresses_are_refused(api: ApiClient, url: str) -> None:
    user = api.new_user()
    response = api.http.post("/webhooks/endpoints", json={"url": url}, headers=user)
    assert response.status_code == 422, response.text


def test_deleting_an_account_purges_its_endpoints(
    database_url: str, api: ApiClient, receiver: WebhookReceiver
) -> None:
    account = api.register()
    headers = bearer(api.login(account["email"], account["password"]))
    create_endpoint(api, headers, receiver, "/leaving")
    owner = owner_of(api, headers)
    assert rows_of(database_url, ENDPOINTS_OF, owner) == 1
    assert api.delete_account(headers, account["password"]).status_code == 204
    eventually(lambda: rows_of(database_url, ENDPOINTS_OF, owner) == 0, within=20)
