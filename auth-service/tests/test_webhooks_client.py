"""Contract tests: the outbox's purge of webhook endpoints follows webhooks-service's
document, and an account's deletion purges its endpoints as well as its notes."""

import functools
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
import respx
from fastapi import FastAPI

from auth_service.delivery.notes_client import PURGE_PATH as NOTES_PURGE_PATH
from auth_service.delivery.notes_client import NotesClient
from auth_service.delivery.outbox import OutboxDispatcher
from auth_service.delivery.purge_client import PurgeError
from auth_service.delivery.webhooks_client import PURGE_PATH, WebhooksClient
from auth_service.main import WEBHOOKS_PURGE_AUDIENCE, WEBHOOKS_PURGE_SCOPE
from auth_service.oauth.service_tokens import ServiceTokenCache
from auth_service.security import AccessTokenSigner
from platform_common.backoff import Backoff
from platform_common.outbox_pacing import OutboxPacing
from platform_common.testing.contract import Contract
from platform_common.tokens import AccessTokenVerifier, StaticKeys, parse_jwks
from tests.conftest import BASE_URL, NOTES, NOTES_URL
from tests.test_outbox import Sessions, deleted_users, events, make_due, purged

WEBHOOKS_URL = "http://webhooks.test"
WEBHOOKS = Contract("webhooks-service", WEBHOOKS_URL)


@pytest.fixture
async def webhooks_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=WEBHOOKS_URL, timeout=1.0) as client:
        yield client


@pytest.fixture
def client(webhooks_http: httpx.AsyncClient) -> WebhooksClient:
    return WebhooksClient(webhooks_http, access_token=lambda: "service-token")


class TestPurgeUserEndpoints:
    @pytest.mark.parametrize(
        ("answer", "message"),
        [
            (httpx.Response(503, json={"detail": "down"}), "webhooks-service answered 503"),
            (httpx.Response(403, json={"detail": "Insufficient scope"}), "answered 403"),
            (httpx.ConnectError("refused"), "webhooks-service unreachable"),
            (httpx.ReadTimeout("frozen"), "webhooks-service timed out"),
        ],
    )
    async def test_failures_raise(
        self, client: WebhooksClient, answer: httpx.Response | Exception, message: str
    ) -> None:
        with respx.mock as mock:
            mock.delete(url__regex=rf"^{WEBHOOKS_URL}/internal/users/.*/endpoints$").mock(
                side_effect=[answer]
            )
            with pytest.raises(PurgeError, match=message):
                await client.purge_user_endpoints(uuid.uuid4())


@pytest.fixture
def services() -> Iterator[tuple[respx.Route, respx.Route]]:
    """notes-service's and webhooks-service's purge routes, as their documents say."""
    with respx.mock(assert_all_called=False) as mock:
        yield (
            NOTES.route_template(mock, "DELETE", NOTES_PURGE_PATH),
            WEBHOOKS.route_template(mock, "DELETE", PURGE_PATH),
        )


@pytest.fixture
async def dispatcher(
    committed_db: Sessions, app: FastAPI, webhooks_http: httpx.AsyncClient
) -> AsyncIterator[OutboxDispatcher]:
    signer: AccessTokenSigner = app.state.auth.token_policy.signer
    token = functools.partial(ServiceTokenCache, signer, subject="auth-service-outbox")
    async with httpx.AsyncClient(base_url=NOTES_URL, timeout=1.0) as notes_http:
        yield OutboxDispatcher(
            committed_db,
            NotesClient(
                notes_http, access_token=token(audience="notes-service", scope="notes:purge").token
            ),
            webhooks=WebhooksClient(
                webhooks_http,
                access_token=token(
                    audience=WEBHOOKS_PURGE_AUDIENCE, scope=WEBHOOKS_PURGE_SCOPE
                ).token,
            ),
            pacing=OutboxPacing(
                backoff=Backoff(base_seconds=10, cap_seconds=60, rng=random.Random(5)),
                lease=timedelta(seconds=30),
            ),
        )


def endpoints_purged(deleted: int = 1) -> httpx.Response:
    return WEBHOOKS.response("DELETE", PURGE_PATH, status=200, json={"deleted": deleted})


class TestAccountDeletion:
    async def test_purges_the_endpoints_too(
        self,
        committed_db: Sessions,
        dispatcher: OutboxDispatcher,
        services: tuple[respx.Route, respx.Route],
        app: FastAPI,
    ) -> None:
        notes, webhooks = services
        notes.side_effect = lambda request: purged(1)
        webhooks.side_effect = lambda request: endpoints_purged(2)
        (user_id,) = await deleted_users(committed_db, 1)
        assert await dispatcher.run_once() == 1
        [call] = webhooks.calls
        assert call.request.url.path == f"/internal/users/{user_id}/endpoints"
        verifier = AccessTokenVerifier(
            StaticKeys(parse_jwks(app.state.auth.key_ring.jwks())),
            issuer=f"{BASE_URL}/auth",
            audiences=[WEBHOOKS_PURGE_AUDIENCE],
        )
        header = call.request.headers["Authorization"]
        claims = await verifier.verify(header.removeprefix("Bearer "))
        assert claims.scopes == frozenset({WEBHOOKS_PURGE_SCOPE})
        [state] = await events(committed_db)
        assert state.delivered

    async def test_webhooks_service_down_retries_both(
        self,
        committed_db: Sessions,
        dispatcher: OutboxDispatcher,
        services: tuple[respx.Route, respx.Route],
    ) -> None:
        notes, webhooks = services
        notes.side_effect = lambda request: purged(0)
        webhooks.side_effect = [httpx.ConnectError("refused"), endpoints_purged(1)]
        await deleted_users(committed_db, 1)
        assert await dispatcher.run_once() == 1
        [state] = await events(committed_db)
        assert not state.delivered
        assert state.last_error is not None
        assert "webhooks-service unreachable" in state.last_error
        await make_due(committed_db)
        assert await dispatcher.run_once() == 1
        [state] = await events(committed_db)
        assert state.delivered
        assert (notes.call_count, webhooks.call_count) == (2, 2)
