import asyncio
import base64
import uuid
import warnings
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from passlib.hash import argon2
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.config import Settings
from auth_service.errors import InvalidGrant
from auth_service.models import RefreshToken
from auth_service.oauth import tokens
from auth_service.security import AccessTokenSigner, refresh_token_hash
from platform_common.tokens import LEGACY_ISSUER
from tests.conftest import (
    BASE_URL,
    COMMITTED_DOMAIN,
    PASSWORD,
    PURGE_CLIENT,
    PURGE_SECRET,
    TOKEN_URL,
    Account,
    new_account,
    password_grant,
    refresh_grant,
    register,
    register_stored,
    unique_email,
)

# Authlib 1.9 warns at import that its httpx integration is giving way to
# httpx2; its own module forces that warning on, so the filter must come after.
with warnings.catch_warnings():
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client


async def client_grant(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    """A client_credentials grant; the client authenticates with `headers` or `fields`."""
    return await client.post(
        "/auth/token", data={"grant_type": "client_credentials", **fields}, headers=headers
    )


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.get_unverified_claims(token)
    return claims


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert response.headers["Cache-Control"] == "no-store"


class TestPasswordGrant:
    async def test_a_username_with_nul_is_a_wrong_password(self, client: httpx.AsyncClient) -> None:
        # Postgres text cannot hold NUL: such a name is counted and refused
        # like any other that names no account, never a 500.
        user = await register(client)
        response = await password_grant(client, user["email"] + "\x00", PASSWORD)
        assert_oauth_error(response, 400, "invalid_grant")

    async def test_ok(self, client: httpx.AsyncClient, settings: Settings) -> None:
        user = await register(client)
        response = await password_grant(client, user["email"], PASSWORD)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
        assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 900, "notes")

    async def test_access_token_claims(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
    ) -> None:
        body, user = await register_stored(client, session)
        token = (await password_grant(client, body["email"], PASSWORD)).json()["access_token"]
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256"
        assert header["kid"] == app.state.auth.key_ring.active.kid == "2026-06-01"
        claims = claims_of(token)
        assert set(claims) == {
            "iss", "aud", "sub", "exp", "iat", "jti", "scope", "ver", "sid", "amr"
        }  # fmt: skip
        assert claims["ver"] == 0
        assert claims["amr"] == ["pwd"]  # RFC 8176: a password alone
        # The issuer named by the RFC 8414 document: auth-service's public URL.
        assert claims["iss"] == f"{BASE_URL}/auth" == settings.jwt_issuer
        assert claims["aud"] == "notes-platform"
        assert claims["sub"] == str(user.id)
        assert claims["scope"] == "notes"
        assert claims["exp"] - claims["iat"] == settings.access_token_lifetime_seconds

    async def test_wrong_password_and_unknown_email_answer_alike(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await register(client)
        wrong = await password_grant(client, user["email"], "wrong password")
        unknown = await password_grant(client, unique_email(), PASSWORD)
        assert_oauth_error(wrong, 400, "invalid_grant")
        assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
        ignore = {"x-request-id", "content-length"}
        assert {k: v for k, v in wrong.headers.items() if k not in ignore} == {
            k: v for k, v in unknown.headers.items() if k not in ignore
        }

    async def test_unknown_email_is_hashed_too(
        self, app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The dummy-hash verify that makes both answers take about the same time."""
        hasher = app.state.auth.hasher
        calls: list[str | None] = []
        original = hasher.verify

        async def spy(password: str, hashed: str | None) -> tuple[bool, str | None]:
            calls.append(hashed)
            result: tuple[bool, str | None] = await original(password, hashed)
            return result

        monkeypatch.setattr(hasher, "verify", spy)
        await password_grant(client, unique_email(), PASSWORD)
        assert calls == [None]

    async def test_inactive_user_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body, user = await register_stored(client, session)
        user.is_active = False
        await session.commit()
        assert_oauth_error(
            await password_grant(client, body["email"], PASSWORD), 400, "invalid_grant"
        )

    @pytest.mark.parametrize(
        "data",
        [
            {"grant_type": "password"},
            {"grant_type": "password", "username": "a@example.com"},
            {"grant_type": "password", "password": PASSWORD},
            {"username": "a@example.com", "password": PASSWORD},
            {"grant_type": "", "username": "a@example.com", "password": PASSWORD},
        ],
    )
    async def test_missing_parameters(
        self, client: httpx.AsyncClient, data: dict[str, str]
    ) -> None:
        assert_oauth_error(await client.post("/auth/token", data=data), 400, "invalid_request")

    async def test_json_body_is_not_a_token_request(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/auth/token",
            json={"grant_type": "password", "username": "a@example.com", "password": PASSWORD},
        )
        assert_oauth_error(response, 400, "invalid_request")

    @pytest.mark.parametrize(
        "grant_type",
        ["implicit", "PASSWORD", "urn:ietf:params:oauth:grant-type:device_code", "x" * 10_000],
    )
    async def test_unsupported_grant_type(self, client: httpx.AsyncClient, grant_type: str) -> None:
        response = await client.post("/auth/token", data={"grant_type": grant_type})
        assert_oauth_error(response, 400, "unsupported_grant_type")

    async def test_megabyte_password(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        response = await password_grant(client, user["email"], "p" * 1_000_000)
        assert_oauth_error(response, 400, "invalid_grant")

    async def test_scope(self, client: httpx.AsyncClient) -> None:
        user = await register(client)
        ok = await password_grant(client, user["email"], PASSWORD, scope="notes")
        assert ok.json()["scope"] == "notes"
        refused = await password_grant(client, user["email"], PASSWORD, scope="notes:purge")
        assert_oauth_error(refused, 400, "invalid_scope")

    async def test_old_hash_upgraded_at_login(
        self, app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body, user = await register_stored(client, session)
        # An argon2id hash of PASSWORD made with weaker parameters (m=32, t=1).
        user.hashed_password = argon2.using(type="ID", memory_cost=32, rounds=1).hash(PASSWORD)
        await session.commit()
        assert (await password_grant(client, body["email"], PASSWORD)).is_success
        await session.refresh(user)
        parameters = app.state.auth.hasher.parameters
        assert f"m={parameters.memory_cost_kib},t={parameters.time_cost}," in user.hashed_password
        assert (await password_grant(client, body["email"], PASSWORD)).is_success


class TestOldIssuer:
    """Tokens signed before the issuer became a URL (`notes-platform-auth`)
    keep working here until they expire (AUTH_JWT_PREVIOUS_ISSUERS, issue 33)."""

    def sign(self, app: FastAPI, alice: Account, lifetime: int) -> str:
        signer = AccessTokenSigner(
            app.state.auth.key_ring.active, issuer=LEGACY_ISSUER, lifetime_seconds=lifetime
        )
        sid = uuid.UUID(claims_of(alice.access_token)["sid"])
        return signer.sign(
            subject=alice.id, audience="notes-platform", scope="notes", version=0, session_id=sid
        )

    async def test_accepted_until_it_expires(
        self, app: FastAPI, client: httpx.AsyncClient, alice: Account
    ) -> None:
        live = self.sign(app, alice, lifetime=300)
        me = await client.get("/auth/me", headers={"Authorization": f"Bearer {live}"})
        assert (me.status_code, me.json()["id"]) == (200, alice.id)
        expired = self.sign(app, alice, lifetime=-60)
        me = await client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
        assert me.status_code == 401

    def test_defaults(self) -> None:
        assert Settings().jwt_previous_issuers == [LEGACY_ISSUER] == ["notes-platform-auth"]


class TestRefreshGrant:
    async def test_rotation(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await refresh_grant(client, alice.refresh_token)
        assert response.status_code == 200
        body = response.json()
        assert body["refresh_token"] != alice.refresh_token
        assert claims_of(body["access_token"])["sub"] == alice.id
        me = await client.get(
            "/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200
        again = await refresh_grant(client, body["refresh_token"])
        assert again.status_code == 200

    async def test_reuse_revokes_the_family(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        second = (await refresh_grant(client, alice.refresh_token)).json()["refresh_token"]
        reuse = await refresh_grant(client, alice.refresh_token)
        assert_oauth_error(reuse, 400, "invalid_grant")
        assert_oauth_error(await refresh_grant(client, second), 400, "invalid_grant")

    async def test_reuse_leaves_other_logins_alone(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        other = (await password_grant(client, alice.email, PASSWORD)).json()["refresh_token"]
        await refresh_grant(client, alice.refresh_token)
        await refresh_grant(client, alice.refresh_token)
        assert (await refresh_grant(client, other)).status_code == 200

    async def test_only_hash_stored(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        rows = (await session.scalars(select(RefreshToken))).all()
        assert rows
        assert all(row.token_hash != alice.refresh_token for row in rows)
        assert all(len(row.token_hash) == 64 for row in rows)

    @pytest.mark.parametrize("token", ["garbage", "x" * 10_000])
    async def test_unknown_token(self, client: httpx.AsyncClient, token: str) -> None:
        data = {"grant_type": "refresh_token", "refresh_token": token}
        response = await client.post("/auth/token", data=data)
        assert_oauth_error(response, 400, "invalid_grant")

    @pytest.mark.parametrize("data", [{}, {"refresh_token": ""}])
    async def test_missing_token(self, client: httpx.AsyncClient, data: dict[str, str]) -> None:
        response = await client.post("/auth/token", data={"grant_type": "refresh_token", **data})
        assert_oauth_error(response, 400, "invalid_request")

    async def test_expired(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        for row in (await session.scalars(select(RefreshToken))).all():
            row.expires_at = row.created_at
        await session.commit()
        assert_oauth_error(await refresh_grant(client, alice.refresh_token), 400, "invalid_grant")

    async def test_scope_beyond_the_users(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await refresh_grant(client, alice.refresh_token, scope="notes:purge")
        assert_oauth_error(response, 400, "invalid_scope")
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 200

    async def test_concurrent_refreshes_one_wins(self, committed_client: httpx.AsyncClient) -> None:
        """Two requests on two connections race on one token: exactly one succeeds."""
        for _ in range(3):
            account = await new_account(committed_client, domain=COMMITTED_DOMAIN)
            first, second = await asyncio.gather(
                refresh_grant(committed_client, account.refresh_token),
                refresh_grant(committed_client, account.refresh_token),
            )
            assert sorted([first.status_code, second.status_code]) == [200, 400]
            winner, loser = (first, second) if first.status_code == 200 else (second, first)
            assert loser.json()["error"] == "invalid_grant"
            # The loser looks like a replay, so the family is gone, the winner's new token too.
            follow_up = await refresh_grant(committed_client, winner.json()["refresh_token"])
            assert follow_up.status_code == 400

    async def test_second_refresh_waits_for_the_first_and_loses(
        self, app: FastAPI, committed_client: httpx.AsyncClient
    ) -> None:
        """Deterministic race: the first spends the token in an open transaction."""
        account = await new_account(committed_client, domain=COMMITTED_DOMAIN)
        policy = app.state.auth.token_policy
        async with app.state.auth.sessionmaker() as first, app.state.auth.sessionmaker() as second:
            await first.execute(
                update(RefreshToken)
                .where(RefreshToken.token_hash == refresh_token_hash(account.refresh_token))
                .values(used_at=func.now())
            )
            racing = asyncio.create_task(
                tokens.refresh(
                    second, refresh_token=account.refresh_token, scope=None, policy=policy
                )
            )
            await asyncio.sleep(0.2)
            assert not racing.done()  # blocked on the row lock the first holds
            await first.commit()
            with pytest.raises(InvalidGrant):
                await racing


class TestClientCredentialsGrant:
    async def test_basic_auth(self, client: httpx.AsyncClient) -> None:
        response = await client_grant(
            client, basic(PURGE_CLIENT, PURGE_SECRET), scope="notes:purge"
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
        claims = claims_of(body["access_token"])
        assert (claims["sub"], claims["aud"], claims["scope"], claims["iss"]) == (
            PURGE_CLIENT,
            "notes-service",
            "notes:purge",
            f"{BASE_URL}/auth",
        )

    async def test_post_auth_and_default_scope(self, client: httpx.AsyncClient) -> None:
        response = await client_grant(client, client_id=PURGE_CLIENT, client_secret=PURGE_SECRET)
        assert response.status_code == 200
        assert response.json()["scope"] == "notes:purge"

    @pytest.mark.parametrize("scope", ["notes", "notes:purge notes", "admin"])
    async def test_scope_not_allowed(self, client: httpx.AsyncClient, scope: str) -> None:
        response = await client_grant(client, basic(PURGE_CLIENT, PURGE_SECRET), scope=scope)
        assert_oauth_error(response, 400, "invalid_scope")

    @pytest.mark.parametrize(
        ("client_id", "secret"),
        [(PURGE_CLIENT, "wrong secret"), ("unknown", PURGE_SECRET), (PURGE_CLIENT, "")],
    )
    async def test_bad_client(self, client: httpx.AsyncClient, client_id: str, secret: str) -> None:
        response = await client_grant(client, basic(client_id, secret))
        assert_oauth_error(response, 401, "invalid_client")
        assert response.headers["WWW-Authenticate"].startswith("Basic")

    async def test_no_client_authentication(self, client: httpx.AsyncClient) -> None:
        response = await client_grant(client)
        assert_oauth_error(response, 401, "invalid_client")

    @pytest.mark.parametrize(
        "header",
        [b"Basic !!!", b"Basic " + base64.b64encode(b"x"), b"Basic \xe9\xe9", b"Basic /w=="],
        ids=["not-base64", "no-colon", "not-ascii", "not-utf8"],
    )
    async def test_malformed_basic(self, client: httpx.AsyncClient, header: bytes) -> None:
        response = await client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=[(b"Authorization", header)],
        )
        assert_oauth_error(response, 401, "invalid_client")

    async def test_two_methods_at_once(self, client: httpx.AsyncClient) -> None:
        response = await client_grant(
            client,
            basic(PURGE_CLIENT, PURGE_SECRET),
            client_id=PURGE_CLIENT,
            client_secret=PURGE_SECRET,
        )
        assert_oauth_error(response, 400, "invalid_request")

    async def test_user_credentials_are_not_client_credentials(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        for headers, data in [
            (basic(alice.email, PASSWORD), {}),
            ({}, {"client_id": alice.email, "client_secret": PASSWORD}),
            ({}, {"client_id": alice.id, "client_secret": PASSWORD}),
        ]:
            response = await client_grant(client, headers, scope="notes", **data)
            assert_oauth_error(response, 401, "invalid_client")

    async def test_service_token_cannot_use_user_routes(self, client: httpx.AsyncClient) -> None:
        token = (await client_grant(client, basic(PURGE_CLIENT, PURGE_SECRET))).json()[
            "access_token"
        ]
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


class TestRevoke:
    async def test_refresh_token_stops_working(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        rotated = (await refresh_grant(client, alice.refresh_token)).json()["refresh_token"]
        response = await client.post("/auth/revoke", data={"token": rotated})
        assert (response.status_code, response.content) == (200, b"")
        assert_oauth_error(await refresh_grant(client, rotated), 400, "invalid_grant")

    async def test_revoking_an_old_token_ends_the_session(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        rotated = (await refresh_grant(client, alice.refresh_token)).json()["refresh_token"]
        await client.post("/auth/revoke", data={"token": alice.refresh_token})
        assert (await refresh_grant(client, rotated)).status_code == 400

    @pytest.mark.parametrize("token", ["unknown", "x" * 5000])
    async def test_unknown_token_is_200(self, client: httpx.AsyncClient, token: str) -> None:
        response = await client.post(
            "/auth/revoke", data={"token": token, "token_type_hint": "refresh_token"}
        )
        assert response.status_code == 200

    async def test_access_token_is_200(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await client.post("/auth/revoke", data={"token": alice.access_token})
        assert response.status_code == 200

    async def test_empty_token_is_200(self, client: httpx.AsyncClient, alice: Account) -> None:
        """RFC 7009 §2.2: an empty token names none the server knows; no error."""
        response = await client.post("/auth/revoke", data={"token": ""})
        assert (response.status_code, response.content) == (200, b"")
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 200

    @pytest.mark.parametrize("data", [{}, {"token_type_hint": "refresh_token"}])
    async def test_missing_token_is_invalid_request(
        self, client: httpx.AsyncClient, data: dict[str, str]
    ) -> None:
        """RFC 7009 §2.1: `token` is required; RFC 6749 §5.2 names the error."""
        response = await client.post("/auth/revoke", data=data)
        assert (response.status_code, response.json()["error"]) == (400, "invalid_request")

    async def test_no_body_is_invalid_request(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/revoke")
        assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


class TestAuthlibClient:
    async def test_password_grant_then_refresh(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        email = unique_email()
        await register(client, email=email)
        async with AsyncOAuth2Client(
            transport=httpx.ASGITransport(app=app), base_url=BASE_URL
        ) as oauth:
            token = await oauth.fetch_token(TOKEN_URL, username=email, password=PASSWORD)
            assert token["token_type"] == "bearer"
            me = await oauth.get("/auth/me")
            assert (me.status_code, me.json()["email"]) == (200, email)
            refreshed = await oauth.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"])
            assert refreshed["refresh_token"] != token["refresh_token"]
            assert (await oauth.get("/auth/me")).status_code == 200

    async def test_client_credentials(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        async with AsyncOAuth2Client(
            client_id=PURGE_CLIENT,
            client_secret=PURGE_SECRET,
            scope="notes:purge",
            transport=httpx.ASGITransport(app=app),
            base_url=BASE_URL,
        ) as oauth:
            token = await oauth.fetch_token(TOKEN_URL, grant_type="client_credentials")
            assert claims_of(token["access_token"])["scope"] == "notes:purge"
