"""A person turns TOTP on and signs in with it through the gateway: a script
with the password grant and the mfa-otp grant, an app's sign-in page in
Chromium; a replayed code and six wrong ones refused."""

from __future__ import annotations

import time
import warnings
from typing import Any

import pyotp
import pytest
from api_client import ApiClient, bearer
from run_local import LocalSystem
from test_oauth_apps import ARTIFACTS, Browser, oauth_client, register_app
from test_oauth_apps import browser as chromium  # noqa: F401  (the fixture, by this name)

with warnings.catch_warnings():
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken

MFA_GRANT = "urn:notes-platform:params:oauth:grant-type:mfa-otp"


def wait_for_next_step() -> None:
    """A code is accepted once per 30-second step: the next sign-in needs the next one."""
    time.sleep(30 - time.time() % 30 + 0.5)


def turn_totp_on(api: ApiClient, user: dict[str, Any]) -> tuple[str, list[str]]:
    headers = bearer(api.login(user["email"], user["password"]))
    started = api.http.post("/auth/me/mfa/totp", headers=headers)
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    assert started.json()["qr_svg"].startswith("<svg")
    confirmed = api.http.post(
        "/auth/me/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


def mfa_token(api: ApiClient, user: dict[str, Any]) -> str:
    refused = api.password_grant(user["email"], user["password"])
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "mfa_required"
    token: str = refused.json()["mfa_token"]
    return token


def mfa_grant(api: ApiClient, token: str, otp: str) -> Any:
    return api.http.post(
        "/auth/token", data={"grant_type": MFA_GRANT, "mfa_token": token, "otp": otp}
    )


def claims(api: ApiClient, token: str) -> dict[str, Any]:
    keys = JsonWebKey.import_key_set(api.http.get("/auth/.well-known/jwks.json").json())
    decoded: dict[str, Any] = JsonWebToken(["RS256"]).decode(token, keys)
    return decoded


def test_a_script_signs_in_with_a_code(api: ApiClient) -> None:
    user = api.register()
    secret, recovery_codes = turn_totp_on(api, user)
    metadata = api.http.get("/auth/.well-known/oauth-authorization-server").json()
    assert MFA_GRANT in metadata["grant_types_supported"]
    # The code that confirmed the enrolment is spent: wait for the next step.
    wait_for_next_step()
    code = pyotp.TOTP(secret).now()
    granted = mfa_grant(api, mfa_token(api, user), code)
    assert granted.status_code == 200, granted.text
    tokens = granted.json()
    assert claims(api, tokens["access_token"])["amr"] == ["pwd", "otp"]
    assert api.me(bearer(tokens))["email"] == user["email"]
    refreshed = api.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert claims(api, refreshed.json()["access_token"])["amr"] == ["pwd", "otp"]
    # The same code again, in a new sign-in: refused.
    replayed = mfa_grant(api, mfa_token(api, user), code)
    assert replayed.status_code == 400
    assert replayed.json()["error_description"] == "Invalid or already used code"
    # A recovery code, once.
    recovered = mfa_grant(api, mfa_token(api, user), recovery_codes[0])
    assert recovered.status_code == 200, recovered.text
    assert claims(api, recovered.json()["access_token"])["amr"] == ["pwd", "mfa"]
    assert mfa_grant(api, mfa_token(api, user), recovery_codes[0]).status_code == 400


def test_six_wrong_codes_are_throttled(api: ApiClient) -> None:
    user = api.register()
    secret, _ = turn_totp_on(api, user)
    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
    answers = [mfa_grant(api, mfa_token(api, user), wrong).status_code for _ in range(5)]
    assert answers == [400] * 5
    throttled = mfa_grant(api, mfa_token(api, user), pyotp.TOTP(secret).now())
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "slow_down"
    assert int(throttled.headers["retry-after"]) > 0


@pytest.mark.browser
def test_the_sign_in_page_asks_for_the_code(
    system: LocalSystem, api: ApiClient, request: pytest.FixtureRequest
) -> None:
    browser: Browser = request.getfixturevalue("chromium")
    base = system.url("gateway")
    user = api.register()
    secret, _ = turn_totp_on(api, user)
    app = register_app(api, browser.redirect_uri, scopes=["notes:read", "openid"])
    ARTIFACTS.mkdir(exist_ok=True)
    wait_for_next_step()
    with oauth_client(app, "openid notes:read") as client:
        verifier, _, state = browser.authorize(client, base)
        page = browser.page
        browser.sign_in(user)
        page.get_by_role("button", name="Verify").wait_for()
        page.screenshot(path=str(ARTIFACTS / "oauth-sign-in-code.png"), full_page=True)
        page.get_by_label("The 6-digit code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Verify").click()
        page.get_by_role("button", name="Allow").wait_for()
        page.get_by_role("button", name="Allow").click()
        token = browser.tokens(client, base, verifier, state)
    assert claims(api, token["access_token"])["amr"] == ["pwd", "otp"]
    assert claims(api, token["id_token"])["amr"] == ["pwd", "otp"]
