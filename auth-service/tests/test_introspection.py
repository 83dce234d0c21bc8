"""RFC 7662 token introspection at POST /auth/introspect, against the RFC's
examples (§2.1 request, §2.2 response)."""

import base64

import httpx
import pytest
from fastapi import FastAPI

from auth_service.security import AccessTokenSigner
from tests.conftest import PURGE_CLIENT, PURGE_SECRET, Account, delete_me, login

# §2.2's example of an active token's answer: the members this server uses.
RFC_MEMBERS = {"active", "scope", "client_id", "username", "token_type", "exp", "iat"}
RFC_MEMBERS |= {"sub", "aud", "iss", "jti"}


def basic(client_id: str = PURGE_CLIENT, secret: str = PURGE_SECRET) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def introspect(client: httpx.AsyncClient, token: str, **form: str) -> httpx.Response:
    # §2.1's example request: Basic client credentials, the token and a hint.
    return await client.post(
        "/auth/introspect",
        data={"token": token, "token_type_hint": "access_token", **form},
        headers=basic(),
    )


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
            "notes-platform-auth",
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
            "/auth/token", data={"grant_type": "client_credentials"}, headers=basic()
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
                "client_id": PURGE_CLIENT,
                "client_secret": PURGE_SECRET,
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
        rotated = await client.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": alice.refresh_token},
        )
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
