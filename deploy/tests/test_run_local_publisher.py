"""`make run` wires notes-service's outbox publisher and webhooks-service's
owner notices: auth-service knows their clients (AUTH_CLIENTS), each service
its secret, and where the services run."""

import json

import pytest
import run_local
from services import SERVICES

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
VARIABLES = (
    "AUTH_CLIENTS",
    "NOTES_WEBHOOKS_CLIENT_ID",
    "NOTES_WEBHOOKS_CLIENT_SECRET",
    "WEBHOOKS_NOTICES_CLIENT_ID",
    "WEBHOOKS_NOTICES_CLIENT_SECRET",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*VARIABLES, "NOTES_AUTH_URL", "NOTES_WEBHOOKS_URL", "WEBHOOKS_AUTH_URL"):
        monkeypatch.delenv(variable, raising=False)


def environment() -> dict[str, str]:
    return run_local.service_environment(DATABASE_URL, run_local.free_ports(replicas=2))


def test_the_service_clients_are_known_to_auth_service() -> None:
    env = environment()
    secret = env["NOTES_WEBHOOKS_CLIENT_SECRET"]
    notices = env["WEBHOOKS_NOTICES_CLIENT_SECRET"]
    assert len(secret) >= 32
    assert len(notices) >= 32
    assert notices != secret
    assert json.loads(env["AUTH_CLIENTS"]) == {
        "notes-service": {
            "secret": secret,
            "scopes": ["webhooks:publish"],
            "audience": "webhooks-service",
        },
        # auth-service's notices route takes tokens of its own audience.
        "webhooks-service": {
            "secret": notices,
            "scopes": ["notices:send"],
            "audience": "notes-platform",
        },
    }
    again = environment()  # one secret per run
    assert again["NOTES_WEBHOOKS_CLIENT_SECRET"] == secret
    assert again["WEBHOOKS_NOTICES_CLIENT_SECRET"] == notices


def test_configured_clients_are_kept_and_a_configured_secret_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reports = {"secret": "s" * 16, "scopes": ["reports:read"], "audience": "reports"}
    monkeypatch.setenv("AUTH_CLIENTS", json.dumps({"reports": reports}))
    monkeypatch.setenv("NOTES_WEBHOOKS_CLIENT_ID", "publisher")
    monkeypatch.setenv("NOTES_WEBHOOKS_CLIENT_SECRET", "p" * 32)
    clients = json.loads(environment()["AUTH_CLIENTS"])
    assert clients["reports"] == reports
    assert clients["publisher"]["secret"] == "p" * 32


def test_every_auth_service_replica_gives_the_token() -> None:
    env = environment()
    assert len(env["NOTES_AUTH_URL"].split(",")) == 2
    if any(s.name == "webhooks-service" and s.exists for s in SERVICES):
        assert len(env["WEBHOOKS_AUTH_URL"].split(",")) == 2


def test_the_webhooks_url_names_webhooks_service_when_it_is_there() -> None:
    present = any(s.name == "webhooks-service" and s.exists for s in SERVICES)
    env = environment()
    # Absent, notes-service keeps its default (no URL: no outbox is written).
    assert ("NOTES_WEBHOOKS_URL" in env) is present
