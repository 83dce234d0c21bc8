"""Bearer-token checks as notes-service applies them."""

import httpx
import pytest

from notes_service.config import Settings
from platform_common.testing.forgery import forged_tokens
from platform_common.testing.issuer import TokenIssuer, User
from platform_common.tokens import LEGACY_ISSUER

FORGERIES = list(forged_tokens(TokenIssuer(), "00000000-0000-0000-0000-000000000000"))


class TestCurrentUser:
    async def test_missing_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/notes/")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"

    @pytest.mark.parametrize("name", FORGERIES)
    async def test_forged_token_refused(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User, name: str
    ) -> None:
        token = forged_tokens(issuer, str(alice.id))[name]
        response = await client.get("/notes/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')

    @pytest.mark.parametrize(
        "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "bearer", "Token abc", "Bearer a b"]
    )
    async def test_malformed_header(self, client: httpx.AsyncClient, header: str) -> None:
        response = await client.get("/notes/", headers={"Authorization": header})
        assert response.status_code == 401

    async def test_subject_must_be_a_user_id(
        self, client: httpx.AsyncClient, issuer: TokenIssuer
    ) -> None:
        token = issuer.token("not-a-uuid")
        response = await client.get("/notes/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401

    async def test_token_in_query_string_ignored(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User
    ) -> None:
        token = issuer.token(str(alice.id))
        response = await client.get(f"/notes/?access_token={token}")
        assert response.status_code == 401

    async def test_valid_token_accepted(self, client: httpx.AsyncClient, alice: User) -> None:
        response = await client.get("/notes/", headers=alice.headers)
        assert response.status_code == 200


class TestIssuers:
    """Tokens carry auth-service's URL as `iss`; those issued before with the
    old name still pass until they expire (issue 33)."""

    def test_defaults_name_the_make_run_issuer_and_accept_the_old_one(self) -> None:
        settings = Settings()
        assert settings.jwt_issuer == "http://127.0.0.1:8000/auth"
        assert settings.jwt_previous_issuers == [LEGACY_ISSUER] == ["notes-platform-auth"]

    async def test_old_issuer_until_it_expires(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User
    ) -> None:
        live = issuer.token(str(alice.id), iss=LEGACY_ISSUER)
        response = await client.get("/notes/", headers={"Authorization": f"Bearer {live}"})
        assert response.status_code == 200
        expired = issuer.token(str(alice.id), iss=LEGACY_ISSUER, lifetime=-60)
        response = await client.get("/notes/", headers={"Authorization": f"Bearer {expired}"})
        assert response.status_code == 401

    async def test_another_issuer_refused(
        self, client: httpx.AsyncClient, issuer: TokenIssuer, alice: User
    ) -> None:
        token = issuer.token(str(alice.id), iss="http://127.0.0.1:8000")
        response = await client.get("/notes/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
