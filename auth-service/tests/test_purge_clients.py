"""Contract tests: each purge client's call and the mocked answer follow its
service's document (notes-service's notes, webhooks-service's endpoints)."""

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
import respx

from auth_service.delivery import notes_client, webhooks_client
from auth_service.main import PURGE_SCOPE, WEBHOOKS_PURGE_SCOPE
from platform_common.testing.contract import Contract
from tests.conftest import NOTES
from tests.test_webhooks_client import WEBHOOKS

Purge = Callable[[httpx.AsyncClient, uuid.UUID], Awaitable[int]]


def purge_notes(http: httpx.AsyncClient, user_id: uuid.UUID) -> Awaitable[int]:
    client = notes_client.NotesClient(http, access_token=lambda: "service-token")
    return client.purge_user_notes(user_id)


def purge_endpoints(http: httpx.AsyncClient, user_id: uuid.UUID) -> Awaitable[int]:
    client = webhooks_client.WebhooksClient(http, access_token=lambda: "service-token")
    return client.purge_user_endpoints(user_id)


@pytest.mark.parametrize(
    ("service", "template", "what", "scope", "purge"),
    [
        pytest.param(NOTES, notes_client.PURGE_PATH, "notes", PURGE_SCOPE, purge_notes, id="notes"),
        pytest.param(
            WEBHOOKS,
            webhooks_client.PURGE_PATH,
            "endpoints",
            WEBHOOKS_PURGE_SCOPE,
            purge_endpoints,
            id="webhooks",
        ),
    ],
)
async def test_documented_call(
    service: Contract, template: str, what: str, scope: str, purge: Purge
) -> None:
    user_id = uuid.uuid4()
    operation = service.operation("DELETE", template)
    # The scope the document names is the one the outbox's tokens carry.
    assert operation["security"] == [{"OAuth2PasswordBearer": [scope]}]
    async with httpx.AsyncClient(base_url=service.base_url, timeout=1.0) as http:
        with respx.mock as mock:
            route = service.route(
                mock,
                "DELETE",
                f"/internal/users/{user_id}/{what}",
                template=template,
                status=200,
                json={"deleted": 4},
            )
            assert await purge(http, user_id) == 4
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer service-token"
    assert request.content == b""
