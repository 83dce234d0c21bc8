"""The authorization code flow with PKCE: the authorization endpoint, its
pages, and the token endpoint's authorization_code grant."""

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from auth_service.security import verified_token_claims
from tests.conftest import BASE_URL, PASSWORD, Account, password_grant

REDIRECT_URI = "https://app.example/callback"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def register_app(client: httpx.AsyncClient, root: Account, **settings: Any) -> dict[str, Any]:
    body = {
        "name": "Notes on the go",
        "confidential": False,
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["notes:read", "notes:write", "offline_access"],
        "redirect_uris": [REDIRECT_URI],
        **settings,
    }
    created = await client.post("/auth/clients", json=body, headers=root.headers)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


class Flow:
    """One authorization as a browser runs it (cookies kept by the client)."""

    def __init__(self, client: httpx.AsyncClient, app: dict[str, Any], scope: str) -> None:
        self.client = client
        self.app = app
        self.verifier, challenge = pkce()
        self.state = secrets.token_urlsafe(8)
        self.params = {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": self.state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }

    async def start(self, **overrides: str | None) -> httpx.Response:
        params = {k: v for k, v in {**self.params, **overrides}.items() if v is not None}
        return await self.client.get(f"/auth/authorize?{urlencode(params)}")

    async def post(self, page: httpx.Response, step: str, **fields: str) -> httpx.Response:
        match = CSRF.search(page.text)
        assert match is not None, page.text
        form = {**self.params, "csrf_token": match.group(1), "step": step, **fields}
        return await self.client.post("/auth/authorize", data=form)

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        page = await self.start()
        assert page.status_code == 200, page.text
        return await self.post(page, "signin", email=email, password=password)

    def answer(self, response: httpx.Response) -> dict[str, str]:
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    async def exchange(self, code: str, **overrides: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": self.verifier,
            "client_id": self.app["client_id"],
            **overrides,
        }
        return await self.client.post("/auth/token", data=form)


@pytest.fixture
async def app_client(client: httpx.AsyncClient, root: Account) -> dict[str, Any]:
    return await register_app(client, root)


async def refresh(
    client: httpx.AsyncClient, app: dict[str, Any], refresh_token: str
) -> httpx.Response:
    """The refresh_token grant, as the public app `app`."""
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": app["client_id"],
    }
    return await client.post("/auth/token", data=data)


async def authorized(flow: Flow, account: Account) -> dict[str, str]:
    consent = await flow.sign_in(account.email)
    assert consent.status_code == 200, consent.text
    assert "wants to access your account" in consent.text
    return flow.answer(await flow.post(consent, "allow"))


async def exchanged(flow: Flow, account: Account) -> tuple[str, dict[str, Any]]:
    """An authorization's code, and what its first exchange answered (200)."""
    code = (await authorized(flow, account))["code"]
    tokens = await flow.exchange(code)
    assert tokens.status_code == 200, tokens.text
    return code, tokens.json()


async def app_tokens(
    client: httpx.AsyncClient, app: dict[str, Any], account: Account, scope: str
) -> dict[str, Any]:
    """The tokens `app` gets for `account` through one authorization with `scope`."""
    _, tokens = await exchanged(Flow(client, app, scope), account)
    return tokens


class TestFlow:
    async def test_sign_in_consent_code_tokens(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read offline_access")
        answer = await authorized(flow, alice)
        assert (answer["state"], answer["iss"]) == (flow.state, f"{BASE_URL}/auth")
        tokens = await flow.exchange(answer["code"])
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        assert body["scope"] == "notes:read offline_access"
        refreshed = await refresh(client, app_client, body["refresh_token"])
        assert (refreshed.status_code, refreshed.json()["scope"]) == (
            200,
            "notes:read offline_access",
        )

    async def test_second_authorization_skips_sign_in_and_consent(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        await authorized(Flow(client, app_client, "notes:read"), alice)
        again = Flow(client, app_client, "notes:read")
        answer = again.answer(await again.start())
        assert (await again.exchange(answer["code"])).status_code == 200
        # A scope not granted before asks again.
        wider = await Flow(client, app_client, "notes:read notes:write").start()
        assert "wants to access your account" in wider.text

    async def test_no_refresh_token_without_offline_access(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        tokens = await app_tokens(client, app_client, alice, "notes:read")
        assert "refresh_token" not in tokens

    async def test_deny(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        consent = await flow.sign_in(alice.email)
        answer = flow.answer(await flow.post(consent, "deny"))
        assert (answer["error"], answer["state"]) == ("access_denied", flow.state)

    async def test_first_party_apps_skip_consent(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        first = await register_app(client, root, first_party=True)
        flow = Flow(client, first, "notes:read")
        assert "code" in flow.answer(await flow.sign_in(alice.email))

    async def test_wrong_password_one_generic_answer(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        wrong = await flow.sign_in(alice.email, "not the password")
        unknown = await flow.sign_in("nobody@example.com", "not the password")
        assert wrong.status_code == unknown.status_code == 400
        assert "Incorrect email or password" in wrong.text
        assert "Incorrect email or password" in unknown.text


class TestAttacks:
    @pytest.mark.parametrize(
        "overrides",
        [
            {"code_challenge": None, "code_challenge_method": None},
            {"code_challenge_method": "plain"},
        ],
    )
    async def test_pkce_required_and_s256_only(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], overrides: dict[str, Any]
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        answer = flow.answer(await flow.start(**overrides))
        assert (answer["error"], answer["state"]) == ("invalid_request", flow.state)

    async def test_wrong_verifier(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        answer = await authorized(flow, alice)
        refused = await flow.exchange(answer["code"], code_verifier=pkce()[0])
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
        # Spent by the attempt.
        assert (await flow.exchange(answer["code"])).status_code == 400

    async def test_code_reuse_ends_the_first_exchanges_tokens(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read offline_access")
        code, first = await exchanged(flow, alice)
        again = await flow.exchange(code)
        assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
        refreshed = await refresh(client, app_client, first["refresh_token"])
        assert refreshed.status_code == 400

    async def test_code_redeemed_by_another_client(
        self, client: httpx.AsyncClient, root: Account, app_client: dict[str, Any], alice: Account
    ) -> None:
        other = await register_app(client, root, name="Other")
        flow = Flow(client, app_client, "notes:read")
        code = (await authorized(flow, alice))["code"]
        stolen = await flow.exchange(code, client_id=other["client_id"])
        assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")

    @pytest.mark.parametrize(
        "redirect_uri",
        [
            REDIRECT_URI + "/",
            REDIRECT_URI.upper(),
            "https://APP.example/callback",
            REDIRECT_URI + "?next=evil",
            REDIRECT_URI + "#fragment",
            "https://user@app.example/callback",
            "https://evil.example/callback",
        ],
    )
    async def test_redirect_uri_exact_match_or_no_redirect(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], redirect_uri: str
    ) -> None:
        page = await Flow(client, app_client, "notes:read").start(redirect_uri=redirect_uri)
        assert page.status_code == 400
        assert "location" not in page.headers
        assert "redirect URI" in page.text

    async def test_unknown_client_no_redirect(
        self, client: httpx.AsyncClient, app_client: dict[str, Any]
    ) -> None:
        page = await Flow(client, app_client, "notes:read").start(client_id="no-such-app")
        assert (page.status_code, "location" in page.headers) == (400, False)

    async def test_form_without_its_csrf_token(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        await flow.start()  # the cookie is set; a forged form cannot know it
        forged = await client.post(
            "/auth/authorize",
            data={**flow.params, "step": "signin", "email": alice.email, "password": PASSWORD},
        )
        assert forged.status_code == 403
        assert "np_signin" not in forged.headers.get("set-cookie", "")

    async def test_pages_cannot_be_framed(
        self, client: httpx.AsyncClient, app_client: dict[str, Any]
    ) -> None:
        page = await Flow(client, app_client, "notes:read").start()
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"

    async def test_scope_beyond_the_clients_never_granted(
        self, client: httpx.AsyncClient, app_client: dict[str, Any]
    ) -> None:
        flow = Flow(client, app_client, "notes:read profile")
        answer = flow.answer(await flow.start())
        assert answer["error"] == "invalid_scope"

    async def test_sign_in_page_and_password_grant_share_one_throttle(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        for _ in range(5):
            assert (await flow.sign_in(alice.email, "wrong password!")).status_code == 400
        throttled = await password_grant(client, alice.email, PASSWORD)
        assert throttled.status_code == 429

    async def test_third_party_client_password_grant_refused(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        refused = await password_grant(
            client, alice.email, PASSWORD, client_id=app_client["client_id"]
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "unauthorized_client")

    async def test_password_grant_naming_no_client_is_deprecated(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        answer = await password_grant(client, alice.email, PASSWORD)
        assert (answer.status_code, answer.headers["deprecation"]) == (200, "true")


class TestAppTokensCannotManageTheAccount:
    async def test_an_apps_token_is_refused_by_account_routes(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        access = await app_tokens(client, app_client, alice, "notes:read")
        headers = {"Authorization": f"Bearer {access['access_token']}"}
        for method, path, body in [
            ("GET", "/auth/me", None),
            ("PATCH", "/auth/me", {"full_name": "Mallory"}),
            ("DELETE", "/auth/me", {"current_password": PASSWORD}),
            ("POST", "/auth/logout?everywhere=true", None),
            ("GET", "/auth/me/sessions", None),
        ]:
            refused = await client.request(method, path, json=body, headers=headers)
            assert refused.status_code == 403, (method, path, refused.text)
            assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 200


class TestEndingAnAppsTokens:
    """Access tokens end through the revocation list (gateway and
    notes-service refuse them within a poll: tests-e2e)."""

    async def test_a_replayed_code_lists_the_first_exchanges_session(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        flow = Flow(client, app_client, "notes:read")
        code, first = await exchanged(flow, alice)
        sid = verified_token_claims(first["access_token"])["sid"]
        await flow.exchange(code)
        listed = (await client.get("/internal/revocations")).json()
        assert sid in [entry["sid"] for entry in listed["sessions"]]

    async def test_disabling_the_app_lists_it(
        self,
        client: httpx.AsyncClient,
        root: Account,
        app_client: dict[str, Any],
        alice: Account,
    ) -> None:
        access = await app_tokens(client, app_client, alice, "notes:read")
        claims = verified_token_claims(access["access_token"])
        assert claims["client_id"] == app_client["client_id"]
        await client.patch(
            f"/auth/clients/{app_client['client_id']}",
            json={"enabled": False},
            headers=root.headers,
        )
        listed = (await client.get("/internal/revocations")).json()
        (entry,) = [c for c in listed["clients"] if c["client_id"] == app_client["client_id"]]
        assert entry["not_before"] > claims["iat"]


class TestAuthorizations:
    async def test_a_person_sees_and_revokes_an_apps_access(
        self, client: httpx.AsyncClient, app_client: dict[str, Any], alice: Account
    ) -> None:
        tokens = await app_tokens(client, app_client, alice, "notes:read offline_access")
        listed = await client.get("/auth/me/authorizations", headers=alice.headers)
        (entry,) = listed.json()
        assert (entry["client_id"], entry["client_name"], entry["scopes"]) == (
            app_client["client_id"],
            "Notes on the go",
            ["notes:read", "offline_access"],
        )
        assert entry["last_used_at"] is not None
        path = f"/auth/me/authorizations/{app_client['client_id']}"
        assert (await client.delete(path, headers=alice.headers)).status_code == 204
        assert (await client.get("/auth/me/authorizations", headers=alice.headers)).json() == []
        refreshed = await refresh(client, app_client, tokens["refresh_token"])
        assert refreshed.status_code == 400
        sid = verified_token_claims(tokens["access_token"])["sid"]
        listed_sessions = (await client.get("/internal/revocations")).json()["sessions"]
        assert sid in [entry["sid"] for entry in listed_sessions]
        # Consent is asked again.
        again = await Flow(client, app_client, "notes:read").start()
        assert "wants to access your account" in again.text
        assert (await client.delete(path, headers=alice.headers)).status_code == 404


class TestSwaggerPasswordFlow:
    async def test_empty_basic_credentials_name_no_client(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        """Swagger UI's password flow sends `Authorization: Basic Og==` (":")."""
        answer = await client.post(
            "/auth/token",
            data={"grant_type": "password", "username": alice.email, "password": PASSWORD},
            headers={"Authorization": "Basic Og=="},
        )
        assert (answer.status_code, answer.headers["deprecation"]) == (200, "true")
