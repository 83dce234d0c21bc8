"""The authorization server's metadata (RFC 8414): GET
/.well-known/oauth-authorization-server/auth and /auth/.well-known/oauth-authorization-server."""

import warnings
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import BASE_URL, PASSWORD, register, unique_email

with warnings.catch_warnings():
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

RFC8414_PATH = "/.well-known/oauth-authorization-server/auth"
APPENDED_PATH = "/auth/.well-known/oauth-authorization-server"


def _inserted(issuer: str) -> str:
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{parts.path}"


class TestMetadata:
    """RFC 8414 §2 and §3."""

    async def test_document(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/auth/.well-known/oauth-authorization-server")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        document = response.json()
        assert document["issuer"] == f"{BASE_URL}/auth"  # the tokens' `iss` (test_token)
        assert document["token_endpoint"] == f"{BASE_URL}/auth/token"
        assert document["jwks_uri"] == f"{BASE_URL}/auth/.well-known/jwks.json"
        assert document["revocation_endpoint"] == f"{BASE_URL}/auth/revoke"
        assert document["introspection_endpoint"] == f"{BASE_URL}/auth/introspect"
        assert set(document["grant_types_supported"]) == {
            "authorization_code",
            "password",
            # The second step of a sign-in with TOTP (auth_service.oauth.mfa_grant).
            "urn:notes-platform:params:oauth:grant-type:mfa-otp",
            "refresh_token",
            "client_credentials",
        }
        assert document["authorization_endpoint"] == f"{BASE_URL}/auth/authorize"
        assert document["response_types_supported"] == ["code"]
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert document["authorization_response_iss_parameter_supported"] is True
        # Only what a third party may ask for: not the service clients' scopes
        # (AUTH_CLIENTS here holds one with notes:purge).
        assert document["scopes_supported"] == [
            "email",
            "notes",
            "notes:read",
            "notes:write",
            "offline_access",
            "openid",
            "profile",
            "webhooks",
        ]
        assert "client_secret_basic" in document["introspection_endpoint_auth_methods_supported"]

    @pytest.mark.parametrize(
        ("path", "location"),
        [
            # §3.1: the well-known string between the host and the issuer's path.
            (RFC8414_PATH, _inserted),
            # §5: where OpenID Connect Discovery looks, by appending it.
            (APPENDED_PATH, lambda issuer: issuer + "/.well-known/oauth-authorization-server"),
        ],
        ids=["inserted", "appended"],
    )
    async def test_issuer_is_where_the_document_is_served(
        self, client: httpx.AsyncClient, path: str, location: Callable[[str], str]
    ) -> None:
        """§3.3: the `issuer` is the identifier the document's URL was formed
        from; either rule leads back to the URL it was fetched at."""
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=300"
        issuer = response.json()["issuer"]
        assert location(issuer) == f"{BASE_URL}{path}"
        assert urlsplit(issuer)[:3] == ("http", "auth.test", "/auth")
        assert (await client.get(path + "/")).json() == response.json()

    async def test_authlib_configured_from_the_document_logs_in(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        email = unique_email()
        await register(client, email=email)
        document = (await client.get("/auth/.well-known/oauth-authorization-server")).json()
        assert "notes" in document["scopes_supported"]
        async with AsyncOAuth2Client(
            token_endpoint=document["token_endpoint"],
            token_endpoint_auth_method=document["token_endpoint_auth_methods_supported"][0],
            scope="notes",
            transport=httpx.ASGITransport(app=app),
        ) as oauth:
            token = await oauth.fetch_token(
                document["token_endpoint"], username=email, password=PASSWORD
            )
            me = await oauth.get(f"{BASE_URL}/auth/me")
        assert token["scope"] == "notes"
        assert (me.status_code, me.json()["email"]) == (200, email)
