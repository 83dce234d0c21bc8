"""OpenID Connect Core on the authorization code flow: the discovery document,
ID tokens (checked by Authlib, a relying party's library, against the JWKS)
and the UserInfo endpoint."""

import secrets
import time
import uuid
from typing import Any

import httpx
import pytest
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from fastapi import FastAPI
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import BrowserSession
from tests.conftest import BASE_URL, PURGE_CLIENT, PURGE_SECRET, Account, register_stored
from tests.test_authorize import Flow, authorized, register_app

DISCOVERY_PATH = "/auth/.well-known/openid-configuration"
ISSUER = f"{BASE_URL}/auth"
ID_TOKEN_ALGORITHMS = ["RS256"]
OIDC_SCOPES = ["openid", "profile", "email", "notes:read", "offline_access"]


@pytest.fixture
async def oidc_app(client: httpx.AsyncClient, root: Account) -> dict[str, Any]:
    return await register_app(client, root, scopes=OIDC_SCOPES)


async def discovery(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(DISCOVERY_PATH)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def tokens_for(
    flow: Flow, account: Account, *, nonce: str | None = None, consent: bool = True
) -> dict[str, Any]:
    """The token response of one authorization (signing in, consenting if asked)."""
    if nonce is not None:
        flow.params["nonce"] = nonce
    if consent:
        answer = await authorized(flow, account)
    else:
        answer = flow.answer(await flow.start())
    response = await flow.exchange(answer["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def validated_id_token(
    client: httpx.AsyncClient,
    token: dict[str, Any],
    *,
    client_id: str,
    nonce: str | None,
    access_token: str | None = None,
) -> CodeIDToken:
    """What a relying party does (Authlib's own parse_id_token): the keys from
    the discovery document's jwks_uri, the one algorithm it names (pinned, as
    every verification in the repository: common/tests/test_jwt_algorithms_pinned),
    then every claim of OIDC Core §3.1.3.7 (iss, aud, exp, iat, nonce, at_hash)."""
    document = await discovery(client)
    assert document["id_token_signing_alg_values_supported"] == ID_TOKEN_ALGORITHMS
    jwks = (await client.get(document["jwks_uri"])).json()
    decoded = jwt.decode(
        token["id_token"],
        KeySet.import_key_set(jwks),
        algorithms=ID_TOKEN_ALGORITHMS,
        registry=JWSRegistry(algorithms=ID_TOKEN_ALGORITHMS),
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": document["issuer"]},
            "aud": {"essential": True, "value": client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
        },
        {
            "nonce": nonce,
            "client_id": client_id,
            "access_token": access_token or token["access_token"],
        },
    )
    claims.validate()
    return claims


class TestDiscovery:
    """OpenID Connect Discovery 1.0 §3 and §4."""

    async def test_document(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The tests' issuer is http://auth.test; Authlib wants https but for this switch.
        monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
        response = await client.get(DISCOVERY_PATH)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "public, max-age=300"
        document = response.json()
        OpenIDProviderMetadata(document).validate()  # Authlib's check of every field
        assert document["issuer"] == ISSUER
        assert document["userinfo_endpoint"] == f"{ISSUER}/userinfo"
        assert document["id_token_signing_alg_values_supported"] == ["RS256"]
        assert document["subject_types_supported"] == ["public"]
        assert document["response_types_supported"] == ["code"]
        assert "openid" in document["scopes_supported"]
        assert {
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "sid",
            "amr",
            "email",
            "email_verified",
            "name",
        } == set(document["claims_supported"])

    async def test_consistent_with_the_rfc8414_document(self, client: httpx.AsyncClient) -> None:
        """The same value for every key the two documents share: one issuer,
        one set of endpoints, keys and scopes."""
        openid = await discovery(client)
        for path in (
            "/auth/.well-known/oauth-authorization-server",
            "/.well-known/oauth-authorization-server/auth",
        ):
            oauth = (await client.get(path)).json()
            shared = set(oauth) & set(openid)
            assert shared == set(oauth)  # nothing of RFC 8414's is left out
            assert {key: openid[key] for key in shared} == oauth

    async def test_issuer_is_where_the_document_is_served(self, client: httpx.AsyncClient) -> None:
        """§4: `<issuer>/.well-known/openid-configuration`, and §4.3: the
        document's issuer is the one it was fetched for."""
        document = await discovery(client)
        assert document["issuer"] + "/.well-known/openid-configuration" == (
            f"{BASE_URL}{DISCOVERY_PATH}"
        )
        assert (await client.get(DISCOVERY_PATH + "/")).json() == document

    async def test_jwks_uri_publishes_the_signing_keys(self, client: httpx.AsyncClient) -> None:
        jwks = (await client.get((await discovery(client))["jwks_uri"])).json()
        assert jwks["keys"]
        assert {key["alg"] for key in jwks["keys"]} == {"RS256"}


class TestIdToken:
    """OIDC Core §2, §3.1.3.3, §3.1.3.6 and §3.1.3.7."""

    async def test_validated_by_a_relying_party(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        oidc_app: dict[str, Any],
        alice: Account,
    ) -> None:
        nonce = secrets.token_urlsafe(16)
        before = int(time.time())
        token = await tokens_for(Flow(client, oidc_app, "openid email"), alice, nonce=nonce)
        claims = await validated_id_token(
            client, token, client_id=oidc_app["client_id"], nonce=nonce
        )
        jwks = (await client.get("/auth/.well-known/jwks.json")).json()
        assert claims.header["alg"] == "RS256"
        assert claims.header["kid"] in {key["kid"] for key in jwks["keys"]}
        assert claims["iss"] == ISSUER
        assert claims["aud"] == oidc_app["client_id"]
        assert claims["sub"] == alice.id
        assert claims["nonce"] == nonce
        assert claims["amr"] == ["pwd"]
        assert before - 1 <= claims["auth_time"] <= claims["iat"] < claims["exp"]
        assert "at_hash" in claims
        signed_in = await session.scalar(
            select(BrowserSession.id).where(BrowserSession.user_id == uuid.UUID(alice.id))
        )
        assert claims["sid"] == str(signed_in)
        # Not a bag of everything: no scope, no version, no token id.
        assert not {"scope", "ver", "jti", "email"} & set(claims)

    @pytest.mark.parametrize("claim", ["nonce", "at_hash"])
    async def test_a_relying_party_notices_a_swapped_token(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account, claim: str
    ) -> None:
        """The nonce binds the ID token to the request, at_hash to its own
        access token: another request's nonce, or another access token, fails."""
        nonce = secrets.token_urlsafe(16)
        token = await tokens_for(Flow(client, oidc_app, "openid"), alice, nonce=nonce)
        other = await tokens_for(Flow(client, oidc_app, "openid"), alice, consent=False)
        with pytest.raises(InvalidClaimError, match=claim):
            await validated_id_token(
                client,
                token,
                client_id=oidc_app["client_id"],
                nonce="another request's nonce" if claim == "nonce" else nonce,
                access_token=other["access_token"] if claim == "at_hash" else None,
            )

    async def test_no_nonce_unless_the_request_had_one(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account
    ) -> None:
        token = await tokens_for(Flow(client, oidc_app, "openid"), alice)
        claims = await validated_id_token(
            client, token, client_id=oidc_app["client_id"], nonce=None
        )
        assert "nonce" not in claims

    async def test_none_without_openid(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account
    ) -> None:
        token = await tokens_for(Flow(client, oidc_app, "notes:read email"), alice)
        assert "id_token" not in token

    async def test_a_second_authorization_keeps_the_sign_in(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account
    ) -> None:
        """auth_time and sid are the sign-in's (the browser session's), not the
        code's: a second authorization in the same session repeats them."""
        first = await tokens_for(Flow(client, oidc_app, "openid"), alice)
        second = await tokens_for(Flow(client, oidc_app, "openid"), alice, consent=False)
        client_id = oidc_app["client_id"]
        one = await validated_id_token(client, first, client_id=client_id, nonce=None)
        two = await validated_id_token(client, second, client_id=client_id, nonce=None)
        assert (two["auth_time"], two["sid"]) == (one["auth_time"], one["sid"])

    async def test_an_id_token_is_not_an_access_token(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        """Even for an app whose id is the access tokens' audience, its ID
        token opens no API: it carries no token id (`jti`) nor scope."""
        same_name = await register_app(client, root, client_id="notes-platform", scopes=OIDC_SCOPES)
        token = await tokens_for(Flow(client, same_name, "openid profile email"), alice)
        bearer = {"Authorization": f"Bearer {token['id_token']}"}
        assert (await client.get("/auth/me", headers=bearer)).status_code == 401
        assert (await client.get("/auth/userinfo", headers=bearer)).status_code == 401


class TestUserinfo:
    """OIDC Core §5.3: the claims the token's scopes grant (§5.4), `sub` always."""

    @pytest.mark.parametrize("method", ["GET", "POST"])
    @pytest.mark.parametrize(
        ("scope", "expected"),
        [
            ("openid", {"sub"}),
            ("openid email", {"sub", "email", "email_verified"}),
            ("openid profile", {"sub", "name"}),
            ("openid profile email", {"sub", "name", "email", "email_verified"}),
        ],
    )
    async def test_claims_by_scope(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        oidc_app: dict[str, Any],
        scope: str,
        expected: set[str],
        method: str,
    ) -> None:
        registered, user = await register_stored(client, session, full_name="Alice Liddell")
        user.is_verified = True
        await session.flush()
        account = Account(str(user.id), registered["email"], "", "", "")
        token = await tokens_for(Flow(client, oidc_app, scope), account)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        answer = await client.request(method, "/auth/userinfo", headers=bearer)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        every = {
            "sub": str(user.id),
            "name": "Alice Liddell",
            "email": registered["email"],
            "email_verified": True,
        }
        assert answer.json() == {key: every[key] for key in expected}
        # The sub of the ID token, as §5.3.2 requires a client to check.
        claims = await validated_id_token(
            client, token, client_id=oidc_app["client_id"], nonce=None
        )
        assert claims["sub"] == answer.json()["sub"]

    async def test_unverified_address_and_no_name(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account
    ) -> None:
        """A claim with no value is left out (§5.3.2), not null."""
        token = await tokens_for(Flow(client, oidc_app, "openid profile email"), alice)
        answer = await client.get(
            "/auth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert answer.json() == {"sub": alice.id, "email": alice.email, "email_verified": False}

    async def test_no_token(self, client: httpx.AsyncClient) -> None:
        answer = await client.get("/auth/userinfo")
        assert (answer.status_code, answer.headers["www-authenticate"]) == (401, "Bearer")

    async def test_invalid_token(self, client: httpx.AsyncClient) -> None:
        answer = await client.post(
            "/auth/userinfo", headers={"Authorization": "Bearer not.a.token"}
        )
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')

    async def test_token_without_openid(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account
    ) -> None:
        """RFC 6750 §3.1; the password grant's `notes` token is refused alike."""
        token = await tokens_for(Flow(client, oidc_app, "notes:read email profile"), alice)
        for access_token in (token["access_token"], alice.access_token):
            answer = await client.get(
                "/auth/userinfo", headers={"Authorization": f"Bearer {access_token}"}
            )
            assert answer.status_code == 403
            assert answer.headers["www-authenticate"] == (
                'Bearer error="insufficient_scope", scope="openid"'
            )

    async def test_service_token_refused(self, client: httpx.AsyncClient) -> None:
        """A client-credentials token names no person: it is not for this service."""
        issued = await client.post(
            "/auth/token",
            data={"grant_type": "client_credentials", "scope": "notes:purge"},
            auth=(PURGE_CLIENT, PURGE_SECRET),
        )
        assert issued.status_code == 200, issued.text
        answer = await client.get(
            "/auth/userinfo",
            headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
        )
        assert answer.status_code == 401

    async def test_refused_once_the_sessions_end(
        self, client: httpx.AsyncClient, oidc_app: dict[str, Any], alice: Account
    ) -> None:
        """Log out everywhere (a new token version) ends the app's token here at once."""
        token = await tokens_for(Flow(client, oidc_app, "openid"), alice)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert (await client.get("/auth/userinfo", headers=bearer)).status_code == 200
        ended = await client.post("/auth/logout?everywhere=true", headers=alice.headers)
        assert ended.status_code == 204
        assert (await client.get("/auth/userinfo", headers=bearer)).status_code == 401

    def test_documented_with_its_scope(self, app: FastAPI) -> None:
        document = app.openapi()
        operations = document["paths"]["/auth/userinfo"]
        assert set(operations) == {"get", "post"}
        for operation in operations.values():
            assert operation["security"] == [{"OAuth2PasswordBearer": ["openid"]}]
            assert {"200", "401", "403"} <= set(operation["responses"])
        # The scheme says what the scope allows, in every flow it offers.
        flows = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
        assert flows
        assert all(flow["scopes"].get("openid") for flow in flows.values())
