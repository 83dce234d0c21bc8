"""Personal access tokens at the gateway: checked at auth-service by their
SHA-256 with the client's address, cached; a malformed one never leaves."""

import json
import time
from collections.abc import Callable

import httpx
import pytest
import respx

from platform_common import personal_tokens
from platform_common.testing.contract import Contract
from platform_common.testing.metrics import metric_value
from tests.conftest import CLIENT_ADDRESS, NOTE, USER_ID

CHECK_PATH = "/internal/personal-tokens/check"


def answer() -> dict[str, object]:
    now = int(time.time())
    return {
        "active": True,
        "sub": USER_ID,
        "scope": "notes:read",
        "jti": "9d1c8f0e-5a51-4d3c-8a7e-1b2c3d4e5f60",
        "ver": 0,
        "iat": now,
        "exp": now + 3600,
    }


PersonalToken = Callable[[dict[str, object]], tuple[str, respx.Route]]


@pytest.fixture
def personal_token(mock: respx.MockRouter, auth_contract: Contract) -> PersonalToken:
    """A new personal token, and auth-service's check (as its contract documents it)
    answering `body` about it."""

    def made(body: dict[str, object]) -> tuple[str, respx.Route]:
        check = auth_contract.route(mock, "POST", CHECK_PATH, status=200, json=body)
        return personal_tokens.new_token(), check

    return made


async def test_checked_by_hash_and_address_then_cached(
    client: httpx.AsyncClient, personal_token: PersonalToken, note_route: respx.Route
) -> None:
    token, check = personal_token(answer())
    for _ in range(3):
        response = await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json() == NOTE
    assert check.call_count == 1
    sent = json.loads(check.calls[0].request.content)
    assert sent == {"token_hash": personal_tokens.token_hash(token), "address": CLIENT_ADDRESS}
    # The token itself goes to notes-service (which checks it too), nowhere else.
    assert note_route.calls[0].request.headers["Authorization"] == f"Bearer {token}"


async def test_refused_by_auth_service(
    client: httpx.AsyncClient, personal_token: PersonalToken, note_route: respx.Route
) -> None:
    token, _ = personal_token({"active": False})
    response = await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert not note_route.called


async def test_bad_checksum_never_asked_about(
    client: httpx.AsyncClient,
    internal_client: httpx.AsyncClient,
    personal_token: PersonalToken,
    note_route: respx.Route,
) -> None:
    token, check = personal_token(answer())
    bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = (await internal_client.get("/metrics")).text
    response = await client.get("/notes/1", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    assert "malformed personal access token" in response.headers["www-authenticate"]
    assert not check.called
    assert not note_route.called
    after = (await internal_client.get("/metrics")).text
    counted = metric_value(after, "personal_tokens_malformed_total")
    assert counted == (metric_value(before, "personal_tokens_malformed_total") or 0) + 1
