"""Scopes a route needs: checked (403 insufficient_scope) and declared in OpenAPI."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI

from platform_common.errors import ServiceError, service_error_handler
from platform_common.scopes import (
    DESCRIPTIONS,
    NOTES,
    NOTES_PURGE,
    NOTES_READ,
    NOTES_WRITE,
    NOTICES_SEND,
    OPENID,
    PERSONAL_TOKEN_LEAKS,
    WEBHOOKS,
    WEBHOOKS_PUBLISH,
    WEBHOOKS_PURGE,
    holds,
    require_scope,
    user_with_scope,
)
from platform_common.testing.issuer import TokenIssuer
from platform_common.tokens import AccessClaims, AccessTokenVerifier, StaticKeys, parse_jwks

ISSUER = TokenIssuer()
USER = uuid.uuid4()


def build_app() -> FastAPI:
    # The 401/403 are ServiceErrors, answered by the handler every service's app has.
    app = FastAPI(exception_handlers={ServiceError: service_error_handler})
    app.state.token_verifier = AccessTokenVerifier(
        StaticKeys(parse_jwks(ISSUER.jwks())), issuer=ISSUER.issuer, audiences=[ISSUER.audience]
    )

    @app.get("/things")
    async def read_things(user: Annotated[uuid.UUID, user_with_scope(NOTES_READ)]) -> str:
        return str(user)

    @app.post("/things")
    async def write_thing(user: Annotated[uuid.UUID, user_with_scope(NOTES_WRITE)]) -> str:
        return str(user)

    @app.delete("/purge")
    async def purge(claims: Annotated[AccessClaims, require_scope(NOTES_PURGE)]) -> str:
        return claims.subject

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


def bearer(scope: str, subject: str = str(USER)) -> dict[str, str]:
    return {"Authorization": f"Bearer {ISSUER.token(subject, scope=scope)}"}


class TestHolds:
    @pytest.mark.parametrize(
        ("granted", "needed"),
        [
            ({NOTES_READ}, NOTES_READ),
            ({NOTES_WRITE}, NOTES_WRITE),
            # The one user scope before there were two keeps meaning both.
            ({NOTES}, NOTES_READ),
            ({NOTES}, NOTES_WRITE),
            ({"openid", NOTES_READ, NOTES_WRITE}, NOTES_WRITE),
            ({NOTES_PURGE}, NOTES_PURGE),
            # Webhook endpoints: their own scope, or the old `notes`.
            ({WEBHOOKS}, WEBHOOKS),
            ({NOTES}, WEBHOOKS),
        ],
    )
    def test_held(self, granted: set[str], needed: str) -> None:
        assert holds(frozenset(granted), needed)

    @pytest.mark.parametrize(
        ("granted", "needed"),
        [
            (set(), NOTES_READ),
            ({NOTES_READ}, NOTES_WRITE),
            ({NOTES_WRITE}, NOTES_READ),
            ({NOTES}, NOTES_PURGE),
            ({NOTES_PURGE}, NOTES_READ),
            # Scope values are compared exactly (RFC 6749 §3.3: case-sensitive).
            ({"NOTES:READ"}, NOTES_READ),
            ({"Notes"}, NOTES_WRITE),
            ({"notes:*"}, NOTES_WRITE),
            ({"notes:write:all"}, NOTES_WRITE),
            ({"notes:"}, NOTES_READ),
            # The implication goes one way: both narrow scopes are not `notes:purge`'s key.
            ({NOTES_READ, NOTES_WRITE}, NOTES_PURGE),
            ({NOTES_READ, NOTES_WRITE}, WEBHOOKS),
            ({WEBHOOKS}, NOTES_READ),
            ({WEBHOOKS}, WEBHOOKS_PUBLISH),
            ({NOTES}, WEBHOOKS_PURGE),
        ],
    )
    def test_not_held(self, granted: set[str], needed: str) -> None:
        assert not holds(frozenset(granted), needed)


class TestScopedRoutes:
    async def test_the_scope_passes(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/things", headers=bearer(NOTES_READ))
        assert (response.status_code, response.json()) == (200, str(USER))

    async def test_the_legacy_scope_passes_both(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/things", headers=bearer(NOTES))).status_code == 200
        assert (await client.post("/things", headers=bearer(NOTES))).status_code == 200

    async def test_lacking_scope_is_403_naming_it(self, client: httpx.AsyncClient) -> None:
        """RFC 6750 §3.1: insufficient_scope, and the scope that would do."""
        response = await client.post("/things", headers=bearer(NOTES_READ))
        assert response.status_code == 403
        assert response.headers["WWW-Authenticate"] == (
            'Bearer error="insufficient_scope", scope="notes:write"'
        )
        assert response.json() == {"detail": "The access token lacks the scope notes:write"}

    async def test_no_scope_at_all_is_403(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/things", headers=bearer(""))
        assert response.status_code == 403
        assert response.headers["WWW-Authenticate"] == (
            'Bearer error="insufficient_scope", scope="notes:read"'
        )

    async def test_service_scope_checked_alike(self, client: httpx.AsyncClient) -> None:
        assert (await client.delete("/purge", headers=bearer(NOTES))).status_code == 403
        response = await client.delete("/purge", headers=bearer(NOTES_PURGE, "outbox"))
        assert (response.status_code, response.json()) == (200, "outbox")

    async def test_no_token_is_401_not_403(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/things")
        assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")

    async def test_invalid_token_is_401_before_any_scope(self, client: httpx.AsyncClient) -> None:
        token = ISSUER.token(str(USER), scope=NOTES_READ, lifetime=-60)
        response = await client.post("/things", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')

    async def test_user_routes_need_a_user_subject(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/things", headers=bearer(NOTES_READ, "outbox"))
        assert response.status_code == 401


class TestDeclaredInOpenApi:
    def test_each_operation_names_its_scope(self) -> None:
        paths = build_app().openapi()["paths"]
        assert paths["/things"]["get"]["security"] == [{"OAuth2PasswordBearer": [NOTES_READ]}]
        assert paths["/things"]["post"]["security"] == [{"OAuth2PasswordBearer": [NOTES_WRITE]}]
        assert paths["/purge"]["delete"]["security"] == [{"OAuth2PasswordBearer": [NOTES_PURGE]}]

    def test_the_scheme_says_what_each_scope_allows(self) -> None:
        schemes = build_app().openapi()["components"]["securitySchemes"]
        assert schemes == {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/auth/token", "scopes": dict(DESCRIPTIONS)}},
            }
        }
        assert set(DESCRIPTIONS) == {
            NOTES,
            NOTES_READ,
            NOTES_WRITE,
            NOTES_PURGE,
            OPENID,
            PERSONAL_TOKEN_LEAKS,
            NOTICES_SEND,
            WEBHOOKS,
            WEBHOOKS_PUBLISH,
            WEBHOOKS_PURGE,
        }
        assert all(DESCRIPTIONS.values())
