"""A third-party app signs a person in through the gateway: the authorization
code flow with PKCE driven by a real relying-party library (Authlib's httpx
client) and a real browser (Chromium through Playwright)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_client import ApiClient, bearer
from run_local import LocalSystem
from systems import REVOCATION_BOUND_SECONDS, eventually
from test_docs_browser import CHROMIUM, CHROMIUM_ARGS

from platform_common.testing.http_server import QuietHandler, serving

with warnings.catch_warnings():
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.jose import JsonWebKey, JsonWebToken

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


class Receiver(QuietHandler):
    """The app's loopback redirect receiver (RFC 8252 §7.3), as a command-line app runs it."""

    received: list[str]

    def do_GET(self) -> None:
        if self.path.startswith("/callback"):
            type(self).received.append(self.path)
        self.answer(b"the app got its answer", "text/plain")


class Browser:
    """One Chromium page, and the app's redirect receiver on a loopback port."""

    def __init__(self, page: Any, origin: str, received: list[str]) -> None:
        self.page = page
        self.origin = origin
        self.redirect_uri = f"{self.origin}/callback"
        self.redirects = received

    def open(self, url: str) -> None:
        self.page.goto(url)

    def sign_in(self, user: dict[str, Any]) -> None:
        """Fills and posts the sign-in page with `user`'s email and password."""
        self.page.get_by_label("Email").fill(user["email"])
        self.page.get_by_label("Password").fill(user["password"])
        self.page.get_by_role("button", name="Sign in").click()

    def last_redirect(self) -> str:
        eventually(lambda: bool(self.redirects), 10)
        return self.origin + self.redirects[-1]

    def authorize(self, client: OAuth2Client, base: str) -> tuple[str, str, str]:
        """Opens `client`'s authorization request (PKCE, a nonce) at the gateway `base`;
        the request's code verifier, nonce and state."""
        verifier, nonce = generate_token(48), generate_token(16)
        url, state = client.create_authorization_url(
            f"{base}/auth/authorize", code_verifier=verifier, nonce=nonce
        )
        self.open(url)
        return verifier, nonce, state

    def tokens(self, client: OAuth2Client, base: str, verifier: str, state: str) -> Any:
        """The app's answer, its state checked, exchanged for tokens."""
        answer = self.last_redirect()
        assert f"state={state}" in answer
        return client.fetch_token(
            f"{base}/auth/token", authorization_response=answer, code_verifier=verifier
        )


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    received: list[str] = []
    handler = type("AppReceiver", (Receiver,), {"received": received})
    with serving(handler) as origin, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 900, "height": 900})
            yield Browser(page, origin, received)
        finally:
            chromium.close()


def register_app(api: ApiClient, redirect_uri: str, **settings: Any) -> dict[str, Any]:
    root = bearer(api.login("root@e2e.example", "root-password-e2e"))
    body = {
        "name": "Notes on the go",
        "confidential": False,
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["notes:read", "offline_access"],
        "redirect_uris": [redirect_uri],
        **settings,
    }
    created = api.http.post("/auth/clients", json=body, headers=root)
    assert created.status_code == 201, created.text
    app: dict[str, Any] = created.json()
    return app


def oauth_client(app: dict[str, Any], scope: str) -> OAuth2Client:
    return OAuth2Client(
        app["client_id"],
        redirect_uri=app["redirect_uris"][0],
        scope=scope,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )


@pytest.mark.browser
def test_an_app_signs_a_person_in_and_reads_their_notes(
    system: LocalSystem, api: ApiClient, browser: Browser
) -> None:
    base = system.url("gateway")
    user = api.register()
    api.create_note(bearer(api.login(user["email"], user["password"])), "from the person", "kept")
    app = register_app(
        api,
        browser.redirect_uri,
        scopes=["notes:read", "offline_access", "openid", "email"],
    )
    ARTIFACTS.mkdir(exist_ok=True)

    with oauth_client(app, "openid email notes:read offline_access") as client:
        verifier, nonce, state = browser.authorize(client, base)
        page = browser.page
        page.screenshot(path=str(ARTIFACTS / "oauth-sign-in.png"), full_page=True)
        browser.sign_in(user)
        page.get_by_role("button", name="Allow").wait_for()
        assert "read your notes" in page.content()
        page.screenshot(path=str(ARTIFACTS / "oauth-consent.png"), full_page=True)
        page.get_by_role("button", name="Allow").click()
        token = browser.tokens(client, base, verifier, state)
        assert set(token["scope"].split()) == {"openid", "email", "notes:read", "offline_access"}
        # OpenID Connect: the ID token checked against the JWKS and discovery.
        discovery = httpx.get(f"{base}/auth/.well-known/openid-configuration").json()
        keys = JsonWebKey.import_key_set(httpx.get(discovery["jwks_uri"]).json())
        id_token = JsonWebToken(["RS256"]).decode(
            token["id_token"],
            keys,
            claims_options={
                "iss": {"essential": True, "value": discovery["issuer"]},
                "aud": {"essential": True, "value": app["client_id"]},
                "nonce": {"essential": True, "value": nonce},
            },
        )
        id_token.validate()
        userinfo = client.get(discovery["userinfo_endpoint"]).json()
        assert (userinfo["sub"], userinfo["email"]) == (id_token["sub"], user["email"])
        notes = client.get(f"{base}/notes/")
        assert (notes.status_code, notes.json()[0]["title"]) == (200, "from the person")
        write = client.post(f"{base}/notes/", json={"title": "app", "description": "no"})
        assert write.status_code == 403
        assert 'error="insufficient_scope"' in write.headers["www-authenticate"]
        assert client.get(f"{base}/auth/me").status_code == 403  # not the account's holder

    # A second authorization skips the sign-in and the consent.
    with oauth_client(app, "notes:read") as again:
        verifier = generate_token(48)
        url, _ = again.create_authorization_url(f"{base}/auth/authorize", code_verifier=verifier)
        before = len(browser.redirects)
        browser.open(url)
        eventually(lambda: len(browser.redirects) > before, 10)
        assert "code=" in browser.last_redirect()

    # The person takes the app's access back: its token stops working.
    holder = bearer(api.login(user["email"], user["password"]))
    revoked = api.http.delete(f"/auth/me/authorizations/{app['client_id']}", headers=holder)
    assert revoked.status_code == 204
    app_token = {"Authorization": f"Bearer {token['access_token']}"}
    eventually(
        lambda: httpx.get(f"{base}/notes/", headers=app_token).status_code == 401,
        REVOCATION_BOUND_SECONDS,
    )


@pytest.mark.browser
def test_deny_gives_access_denied(system: LocalSystem, api: ApiClient, browser: Browser) -> None:
    base = system.url("gateway")
    user = api.register()
    app = register_app(api, browser.redirect_uri, name="Nosy app")
    with oauth_client(app, "notes:read") as client:
        url, state = client.create_authorization_url(
            f"{base}/auth/authorize", code_verifier=generate_token(48)
        )
        browser.open(url)
        page = browser.page
        browser.sign_in(user)
        page.get_by_role("button", name="Deny").click()
        answer = browser.last_redirect()
    assert "error=access_denied" in answer
    assert f"state={state}" in answer
