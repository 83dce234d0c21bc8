"""Personal access tokens through the gateway and at notes-service directly:
scopes, revocation, expiry and a deleted owner within the revocation bound,
a bad checksum refused without asking auth-service, and no token in any log
line or stored row."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import pytest
from api_client import ApiClient, bearer, token_headers
from run_local import LocalSystem
from systems import REVOCATION_BOUND_SECONDS, eventually

from platform_common.testing.metrics import metric_value

NOTE = {"title": "from a script", "description": "made with a PAT"}


def new_person(api: ApiClient) -> tuple[dict[str, Any], dict[str, str]]:
    user = api.register()
    return user, bearer(api.login(user["email"], user["password"]))


def create_pat(api: ApiClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {"name": "ci", "scopes": ["notes:read"], "expires_in": 3600, **changes}
    response = api.http.post("/auth/me/tokens", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def status_at(client: httpx.Client, token: str) -> int:
    return client.get("/notes", headers=token_headers(token)).status_code


def refused_everywhere(api: ApiClient, notes_service: httpx.Client, token: str) -> bool:
    return status_at(api.http, token) == 401 and status_at(notes_service, token) == 401


def test_a_read_token_reads_and_cannot_write(api: ApiClient, notes_service: httpx.Client) -> None:
    _, headers = new_person(api)
    assert api.http.post("/notes", json=NOTE, headers=headers).status_code == 201
    token = create_pat(api, headers)["token"]
    for client in (api.http, notes_service):
        listed = client.get("/notes", headers=token_headers(token))
        assert (listed.status_code, len(listed.json())) == (200, 1)
        refused = client.post("/notes", json=NOTE, headers=token_headers(token))
        assert refused.status_code == 403
        assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    writer = create_pat(api, headers, scopes=["notes:write"])["token"]
    assert api.http.post("/notes", json=NOTE, headers=token_headers(writer)).status_code == 201
    # A PAT manages no account: no new token, no password change with one.
    assert api.http.get("/auth/me/tokens", headers=token_headers(token)).status_code == 401


def test_revoked_refused_within_the_bound(api: ApiClient, notes_service: httpx.Client) -> None:
    _, headers = new_person(api)
    created = create_pat(api, headers)
    token = created["token"]
    assert status_at(api.http, token) == status_at(notes_service, token) == 200
    revoked = api.http.delete(f"/auth/me/tokens/{created['id']}", headers=headers)
    assert revoked.status_code == 204
    eventually(lambda: refused_everywhere(api, notes_service, token), REVOCATION_BOUND_SECONDS)


def test_deleted_owners_token_refused_within_the_bound(
    api: ApiClient, notes_service: httpx.Client
) -> None:
    user, headers = new_person(api)
    token = create_pat(api, headers)["token"]
    assert status_at(api.http, token) == status_at(notes_service, token) == 200
    assert api.delete_account(headers, user["password"]).status_code == 204
    eventually(lambda: refused_everywhere(api, notes_service, token), REVOCATION_BOUND_SECONDS)


def test_expired_refused(api: ApiClient, notes_service: httpx.Client) -> None:
    _, headers = new_person(api)
    created = create_pat(api, headers, expires_in=60)
    token = created["token"]
    assert status_at(api.http, token) == status_at(notes_service, token) == 200
    expires = time.time() + 60 - (time.time() % 1)  # within a second of its `expires_at`
    time.sleep(max(0.0, expires - time.time()))
    eventually(lambda: refused_everywhere(api, notes_service, token), 5)


def test_bad_checksum_refused_without_asking_auth_service(
    api: ApiClient, notes_service: httpx.Client
) -> None:
    _, headers = new_person(api)
    token = create_pat(api, headers)["token"]
    bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = api.http.get("/metrics").text
    refused = api.http.get("/notes", headers=token_headers(bad))
    assert refused.status_code == 401
    assert "malformed personal access token" in refused.headers["WWW-Authenticate"]
    after = api.http.get("/metrics").text
    assert metric_value(after, "personal_tokens_malformed_total") == (
        (metric_value(before, "personal_tokens_malformed_total") or 0) + 1
    )
    for outcome in ("active", "inactive", "error"):
        name = "personal_token_lookups_total"
        assert metric_value(after, name, outcome=outcome) == metric_value(
            before, name, outcome=outcome
        )


async def rows_mentioning(database_url: str, needle: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        found = 0
        for table in ("auth.security_events", "auth.outbox_events", "auth.personal_tokens"):
            found += await connection.fetchval(
                f"SELECT count(*) FROM {table} t WHERE t::text LIKE '%' || $1 || '%'",  # noqa: S608  # nosec B608
                needle,
            )
        return int(found)
    finally:
        await connection.close()


def test_no_token_in_logs_or_stored_rows(
    api: ApiClient,
    notes_service: httpx.Client,
    system: LocalSystem,
    capfd: pytest.CaptureFixture[str],
) -> None:
    user, headers = new_person(api)
    created = create_pat(api, headers)
    token = created["token"]
    for client in (api.http, notes_service):
        client.get("/notes", headers=token_headers(token))
        client.post("/notes", json=NOTE, headers=token_headers(token))  # a refusal, logged
        client.get("/notes", headers=token_headers(token[:-1] + "0"))  # malformed, logged
    api.http.delete(f"/auth/me/tokens/{created['id']}", headers=headers)
    time.sleep(2.5)  # the outbox sends its mails, the verifiers poll
    api.http.get("/notes", headers=token_headers(token))
    output = capfd.readouterr()
    lines = output.out + output.err
    # The services' lines were captured: the gateway's and notes-service's
    # access lines of these requests, auth-service's of the check.
    for service in ("gateway |", "notes-service |", "auth-service |"):
        assert service in lines
    assert "/internal/personal-tokens/check" in lines
    assert token not in lines
    assert token[7:] not in lines
    events = api.http.get("/auth/me/events", headers=headers)
    assert "personal_token.created" in events.text
    assert token not in events.text
    assert asyncio.run(rows_mentioning(system.database_url, token[7:])) == 0
    assert user["email"]
