import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
import respx

from gateway.config import Settings
from platform_common.testing.contract import Contract
from platform_common.testing.issuer import TokenIssuer
from platform_common.tokens import LEGACY_ISSUER
from tests.conftest import AUTH_URL, NOTE, REGISTERED, TOKENS, USER_ID, make_settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def forged_tokens(issuer: TokenIssuer) -> dict[str, str]:
    claims = issuer.claims(USER_ID)
    hs256 = _unsigned({"alg": "HS256", "typ": "JWT", "kid": issuer.kid}, claims)
    # The classic key-confusion attack: the public key used as an HMAC secret.
    mac = hmac.new(issuer.public_pem.encode(), hs256.encode(), hashlib.sha256).digest()
    impostor = TokenIssuer(kid=issuer.kid)
    return {
        "alg none": _unsigned({"alg": "none", "kid": issuer.kid}, claims) + ".",
        "hs256 with public key": f"{hs256}.{_b64(mac)}",
        "other key, same kid": impostor.token(USER_ID),
        "unknown kid": TokenIssuer().token(USER_ID),
        "expired": issuer.token(USER_ID, lifetime=-60),
        "wrong audience": issuer.token(USER_ID, aud="notes-service"),
        "wrong issuer": issuer.token(USER_ID, iss="someone-else"),
        "not yet valid": issuer.token(USER_ID, nbf=claims["iat"] + 3600),
        "garbage": "not.a.jwt",
        "tampered": issuer.token(USER_ID)[:-4] + "AAAA",
        "no kid": _unsigned({"alg": "RS256"}, claims) + ".c2ln",
    }


FORGERIES = list(forged_tokens(TokenIssuer()))


@pytest.fixture
def notes(mock: respx.MockRouter, notes_contract: Contract) -> respx.Route:
    return notes_contract.route(
        mock, "GET", "/notes/1", template="/notes/{note_id}", status=200, json=NOTE
    )


async def note_status(client: httpx.AsyncClient, token: str) -> int:
    """The status of GET /notes/1 with `token`."""
    response = await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


class TestRefusals:
    @pytest.mark.parametrize("kind", FORGERIES)
    async def test_forged_or_invalid_token(
        self, client: httpx.AsyncClient, notes: respx.Route, issuer: TokenIssuer, kind: str
    ) -> None:
        token = forged_tokens(issuer)[kind]
        response = await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, kind
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        assert set(response.json()) == {"detail"}
        assert not notes.called

    async def test_no_token(self, client: httpx.AsyncClient, notes: respx.Route) -> None:
        response = await client.get("/notes/1")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {"detail": "Not authenticated"}
        assert not notes.called

    @pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "token"])
    async def test_not_a_bearer_token(
        self, client: httpx.AsyncClient, notes: respx.Route, value: str
    ) -> None:
        response = await client.get("/notes/1", headers={"Authorization": value})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        assert not notes.called

    async def test_oversized_authorization_header(
        self, client: httpx.AsyncClient, notes: respx.Route
    ) -> None:
        response = await client.get("/notes/1", headers={"Authorization": "Bearer " + "a" * 9000})
        assert response.status_code == 431
        assert response.json() == {"detail": "Authorization header too large"}
        assert not notes.called

    async def test_two_authorization_headers(
        self, client: httpx.AsyncClient, notes: respx.Route, token: str
    ) -> None:
        headers = [("Authorization", f"Bearer {token}"), ("Authorization", "Bearer other")]
        response = await client.get("/notes/1", headers=headers)
        assert response.status_code == 401
        assert not notes.called

    async def test_valid_token_passes_unchanged(
        self, client: httpx.AsyncClient, notes: respx.Route, token: str
    ) -> None:
        response = await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert notes.calls.last.request.headers["authorization"] == f"Bearer {token}"

    async def test_keys_fetched_once(
        self, client: httpx.AsyncClient, notes: respx.Route, mock: respx.MockRouter, token: str
    ) -> None:
        for _ in range(3):
            await client.get("/notes/1", headers={"Authorization": f"Bearer {token}"})
        assert mock.routes["jwks"].call_count == 1


class TestIssuers:
    """Tokens carry auth-service's URL as `iss` (RFC 8414 §2); those issued
    before, with the old name, still pass until they expire (issue 33)."""

    def test_defaults_name_the_make_run_issuer_and_accept_the_old_one(self) -> None:
        settings = Settings()
        assert settings.jwt_issuer == "http://127.0.0.1:8000/auth"
        assert settings.jwt_previous_issuers == [LEGACY_ISSUER] == ["notes-platform-auth"]

    async def test_current_issuer(
        self, client: httpx.AsyncClient, notes: respx.Route, issuer: TokenIssuer
    ) -> None:
        token = issuer.token(USER_ID, iss="http://127.0.0.1:8000/auth")
        assert await note_status(client, token) == 200

    async def test_old_issuer_until_it_expires(
        self, client: httpx.AsyncClient, notes: respx.Route, issuer: TokenIssuer
    ) -> None:
        assert await note_status(client, issuer.token(USER_ID, iss=LEGACY_ISSUER)) == 200
        expired = issuer.token(USER_ID, iss=LEGACY_ISSUER, lifetime=-60)
        assert await note_status(client, expired) == 401

    @pytest.mark.parametrize("settings", [make_settings(jwt_previous_issuers=[])])
    async def test_old_issuer_refused_once_dropped(
        self, client: httpx.AsyncClient, notes: respx.Route, issuer: TokenIssuer
    ) -> None:
        assert await note_status(client, issuer.token(USER_ID, iss=LEGACY_ISSUER)) == 401
        assert not notes.called


class TestOpenRoutes:
    @pytest.mark.parametrize(
        ("method", "path", "template", "status", "body"),
        [
            ("POST", "/auth/register", None, 202, REGISTERED),
            ("POST", "/auth/revoke", None, 200, {}),
            ("POST", "/auth/token/", "/auth/token", 200, TOKENS),
        ],
    )
    async def test_no_token_needed(
        self,
        client: httpx.AsyncClient,
        mock: respx.MockRouter,
        auth_contract: Contract,
        method: str,
        path: str,
        template: str | None,
        status: int,
        body: dict[str, Any],
    ) -> None:
        # Services answer with and without the trailing slash; the answer is the template's.
        answer = auth_contract.response(method, template or path, status=status, json=body)
        route = mock.request(method, AUTH_URL + path).mock(side_effect=lambda _: answer)
        response = await client.request(method, path, data={"grant_type": "refresh_token"})
        assert response.status_code == status
        assert response.json() == body
        assert route.called

    @pytest.mark.parametrize(
        "path",
        [
            "/.well-known/oauth-authorization-server/auth",
            "/auth/.well-known/oauth-authorization-server",
        ],
    )
    async def test_metadata_needs_no_token(
        self, client: httpx.AsyncClient, mock: respx.MockRouter, auth_contract: Contract, path: str
    ) -> None:
        """Both places RFC 8414 §5 names for an issuer with a path (`…/auth`):
        the well-known string inserted before the path (§3.1) and appended to it."""
        document = {"issuer": "http://gateway.test/auth"}
        answer = auth_contract.response("GET", path, status=200, json=document)
        route = mock.get(AUTH_URL + path).mock(side_effect=lambda _: answer)
        response = await client.get(path)
        assert (response.status_code, response.json()) == (200, document)
        assert route.called

    async def test_jwks_needs_no_token(
        self, client: httpx.AsyncClient, mock: respx.MockRouter, issuer: TokenIssuer
    ) -> None:
        response = await client.get("/auth/.well-known/jwks.json")
        assert response.status_code == 200
        assert response.json() == issuer.jwks()

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/auth/me"),
            ("GET", "/auth/register"),
            ("DELETE", "/auth/token"),
            ("GET", "/auth/users"),
        ],
    )
    async def test_everything_else_needs_one(
        self, client: httpx.AsyncClient, mock: respx.MockRouter, method: str, path: str
    ) -> None:
        response = await client.request(method, path)
        assert response.status_code == 401
        assert [r for r in mock.routes if r.called and r.name != "jwks"] == []
