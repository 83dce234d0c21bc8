"""RFC 7662 token introspection at POST /auth/introspect, against the RFC's
examples (§2.1 request, §2.2 response), and who may ask about what (§4):
only clients with scope `introspect`, each about the audiences it lists, the
email (`username`) only with `introspect:username`."""

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from auth_service.config import ClientConfig, Settings
from auth_service.security import AccessTokenSigner
from platform_common.testing.contract import Contract
from tests.conftest import (
    BASE_URL,
    CLIENT_SECRET,
    INTROSPECTOR,
    NO_USERNAME_INTROSPECTOR,
    PURGE_CLIENT,
    PURGE_SECRET,
    REPORTS_CLIENT,
    REPORTS_INTROSPECTOR,
    Account,
    delete_me,
    login,
    refresh_grant,
)

CONTRACT = Contract("auth-service", "http://auth.test")

# §2.2's example of an active token's answer: the members this server uses.
RFC_MEMBERS = {"active", "scope", "client_id", "username", "token_type", "exp", "iat"}
RFC_MEMBERS |= {"sub", "aud", "iss", "jti"}


def basic(client_id: str = INTROSPECTOR, secret: str = CLIENT_SECRET) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def introspect(
    client: httpx.AsyncClient, token: str, *, by: str = INTROSPECTOR, **form: str
) -> httpx.Response:
    # §2.1's example request: Basic client credentials, the token and a hint.
    secret = PURGE_SECRET if by == PURGE_CLIENT else CLIENT_SECRET
    return await client.post(
        "/auth/introspect",
        data={"token": token, "token_type_hint": "access_token", **form},
        headers=basic(by, secret),
    )


async def answer(client: httpx.AsyncClient, token: str, *, by: str) -> dict[str, Any]:
    response = await introspect(client, token, by=by)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def active(client: httpx.AsyncClient, token: str) -> bool:
    response = await introspect(client, token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    if not body["active"]:
        assert body == {"active": False}  # §2.2: nothing else about an inactive token
    return bool(body["active"])


class TestActiveTokens:
    async def test_user_access_token(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await introspect(client, alice.access_token)
        body = response.json()
        assert set(body) <= RFC_MEMBERS
        assert body["active"] is True
        assert (body["sub"], body["username"], body["scope"]) == (alice.id, alice.email, "notes")
        assert (body["token_type"], body["aud"], body["iss"]) == (
            "Bearer",
            "notes-platform",
            f"{BASE_URL}/auth",
        )
        assert body["exp"] > body["iat"]
        assert isinstance(body["jti"], str)

    async def test_refresh_token(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await client.post(
            "/auth/introspect",
            data={"token": alice.refresh_token, "token_type_hint": "refresh_token"},
            headers=basic(),
        )
        body = response.json()
        assert set(body) <= RFC_MEMBERS
        assert (body["active"], body["token_type"], body["sub"]) == (
            True,
            "refresh_token",
            alice.id,
        )
        assert body["username"] == alice.email

    async def test_client_credentials_token(self, client: httpx.AsyncClient) -> None:
        issued = await client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(PURGE_CLIENT, PURGE_SECRET),
        )
        body = (await introspect(client, issued.json()["access_token"])).json()
        assert (body["active"], body["client_id"], body["sub"]) == (
            True,
            PURGE_CLIENT,
            PURGE_CLIENT,
        )
        assert (body["aud"], body["scope"]) == ("notes-service", "notes:purge")

    async def test_client_secret_post(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await client.post(
            "/auth/introspect",
            data={
                "token": alice.access_token,
                "client_id": INTROSPECTOR,
                "client_secret": CLIENT_SECRET,
            },
        )
        assert response.json()["active"] is True


class TestInactiveTokens:
    async def test_expired(self, app: FastAPI, client: httpx.AsyncClient, alice: Account) -> None:
        signer = AccessTokenSigner(
            app.state.auth.key_ring.active, issuer="notes-platform-auth", lifetime_seconds=-1
        )
        expired = signer.sign(subject=alice.id, audience="notes-platform", scope="notes", version=0)
        assert await active(client, expired) is False

    @pytest.mark.parametrize(
        "token",
        [
            "mF_9.B5f-4.1JqM",  # §2.1's example token: not one of ours
            "not a token at all",
            "a.b",
            "x" * 5000,
            "ünïcödé.tökén.x",
        ],
    )
    async def test_unknown_and_malformed(self, client: httpx.AsyncClient, token: str) -> None:
        assert await active(client, token) is False

    async def test_used_and_revoked_refresh_tokens(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        rotated = await refresh_grant(client, alice.refresh_token)
        assert await active(client, alice.refresh_token) is False  # spent by the rotation
        new_refresh = rotated.json()["refresh_token"]
        assert await active(client, new_refresh) is True
        await client.post("/auth/revoke", data={"token": new_refresh})
        assert await active(client, new_refresh) is False

    async def test_ended_session(self, client: httpx.AsyncClient, alice: Account) -> None:
        other = await login(client, alice.email)
        await client.post("/auth/logout", headers=alice.headers)
        # At once, where the other verifiers wait for the access token to expire.
        assert await active(client, alice.access_token) is False
        assert await active(client, other.access_token) is True

    async def test_logged_out_everywhere(self, client: httpx.AsyncClient, alice: Account) -> None:
        other = await login(client, alice.email)
        await client.post("/auth/logout?everywhere=true", headers=alice.headers)
        for token in (alice.access_token, other.access_token, other.refresh_token):
            assert await active(client, token) is False

    async def test_deleted_user(self, client: httpx.AsyncClient, alice: Account) -> None:
        await delete_me(client, alice)
        assert await active(client, alice.access_token) is False
        assert await active(client, alice.refresh_token) is False

    async def test_deactivated_user(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        await client.patch(
            f"/auth/users/{alice.id}", json={"is_active": False}, headers=root.headers
        )
        assert await active(client, alice.access_token) is False


class TestClientAuthentication:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            basic(secret="wrong secret 0123456789"),
            basic(client_id="nobody"),
            {"Authorization": "Basic !!!"},
        ],
    )
    async def test_refused(
        self, client: httpx.AsyncClient, alice: Account, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            "/auth/introspect", data={"token": alice.access_token}, headers=headers
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].startswith("Basic")

    async def test_user_bearer_token_is_no_client(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        response = await client.post(
            "/auth/introspect", data={"token": alice.access_token}, headers=alice.headers
        )
        assert (response.status_code, response.json()["error"]) == (401, "invalid_client")

    async def test_token_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/introspect", data={}, headers=basic())
        assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


class TestWhoMayIntrospect:
    """Finding 3 of issue 33: a client made for another service learnt any
    user's email from their tokens. Authenticated clients without scope
    `introspect` get 403 insufficient_scope (their credentials are fine: a
    401 would tell them to authenticate again)."""

    @pytest.mark.parametrize("client_id", [PURGE_CLIENT, REPORTS_CLIENT])
    async def test_client_without_the_scope_is_refused(
        self, client: httpx.AsyncClient, alice: Account, client_id: str
    ) -> None:
        for token in (alice.access_token, alice.refresh_token):
            response = await introspect(client, token, by=client_id)
            assert response.status_code == 403
            body = response.json()
            assert body["error"] == "insufficient_scope"
            assert alice.email not in response.text
            assert response.headers["Cache-Control"] == "no-store"
            CONTRACT.validate("POST", "/auth/introspect", 403, body)

    async def test_refused_before_the_form_is_checked(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/auth/introspect", data={}, headers=basic(REPORTS_CLIENT, CLIENT_SECRET)
        )
        assert (response.status_code, response.json()["error"]) == (403, "insufficient_scope")


class TestAudiences:
    async def test_tokens_for_other_audiences_are_inactive(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        # Users' tokens are for notes-platform, which this client may not see.
        for token in (alice.access_token, alice.refresh_token):
            assert await answer(client, token, by=REPORTS_INTROSPECTOR) == {"active": False}

    async def test_tokens_for_its_audiences_are_answered(self, client: httpx.AsyncClient) -> None:
        issued = await client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(REPORTS_CLIENT, CLIENT_SECRET),
        )
        token = issued.json()["access_token"]
        body = await answer(client, token, by=REPORTS_INTROSPECTOR)
        assert (body["active"], body["aud"], body["client_id"]) == (
            True,
            "reports-service",
            REPORTS_CLIENT,
        )
        # And not to a client of the platform's other audiences.
        assert await answer(client, token, by=INTROSPECTOR) == {"active": False}


class TestUsername:
    async def test_only_with_its_scope(self, client: httpx.AsyncClient, alice: Account) -> None:
        for token in (alice.access_token, alice.refresh_token):
            body = await answer(client, token, by=NO_USERNAME_INTROSPECTOR)
            assert (body["active"], body["sub"]) == (True, alice.id)
            assert "username" not in body
            assert alice.email not in str(body)
            assert (await answer(client, token, by=INTROSPECTOR))["username"] == alice.email


def client_config(scopes: list[str], **extra: Any) -> ClientConfig:
    return ClientConfig.model_validate(
        {"secret": CLIENT_SECRET, "scopes": scopes, "audience": "auth-service", **extra}
    )


class TestConfiguration:
    """AUTH_CLIENTS that would not do what the operator meant refuse to start."""

    @pytest.mark.parametrize(
        ("scopes", "extra"),
        [
            (["introspect"], {}),  # which tokens? none listed
            (["introspect"], {"introspection_audiences": []}),
            (["introspect:username"], {"introspection_audiences": ["notes-platform"]}),
            (["reports:read"], {"introspection_audiences": ["notes-platform"]}),
        ],
    )
    def test_incomplete_introspection_refused(
        self, scopes: list[str], extra: dict[str, Any]
    ) -> None:
        with pytest.raises(ValidationError):
            client_config(scopes, **extra)

    def test_audience_nobody_issues_for_refused(self) -> None:
        with pytest.raises(ValidationError, match="notes-platfrom"):
            Settings(
                clients={
                    INTROSPECTOR: client_config(
                        ["introspect"], introspection_audiences=["notes-platfrom"]
                    )
                }
            )

    def test_audiences_of_the_server_and_its_clients_accepted(self) -> None:
        settings = Settings(
            clients={
                INTROSPECTOR: client_config(
                    ["introspect"], introspection_audiences=["notes-platform", "auth-service"]
                )
            }
        )
        assert settings.clients[INTROSPECTOR].introspection_audiences == [
            "notes-platform",
            "auth-service",
        ]
