"""auth-service's tokens as notes-service itself checks them, not only the gateway.

notes-service is addressed directly on its port: it verifies every token on
its own (JWKS and revocation list fetched from auth-service), so a request
that got past the gateway, or never went through it, is still checked. Moved
here from auth-service's suite, which used to import notes-service in process.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from api_client import ApiClient, token_headers
from jose import jwt
from run_local import LocalSystem
from systems import REVOCATION_BOUND_SECONDS, eventually

from platform_common.tokens import LEGACY_ISSUER

SUPERUSER = ("root@e2e.example", "root-password-e2e")  # conftest's superuser
NOTE = {"title": "first note", "description": "from a real token"}


def refused_by_notes_service(notes_service: httpx.Client, token: str) -> bool:
    return notes_service.get("/notes", headers=token_headers(token)).status_code == 401


def test_user_and_refreshed_tokens_accepted(api: ApiClient, notes_service: httpx.Client) -> None:
    user = api.register()
    tokens = api.login(user["email"], user["password"])
    created = notes_service.post("/notes", json=NOTE, headers=token_headers(tokens["access_token"]))
    assert created.status_code == 201, created.text

    refreshed = api.http.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    listing = notes_service.get("/notes", headers=token_headers(refreshed.json()["access_token"]))
    assert (listing.status_code, listing.json()) == (200, [created.json()])


def test_tokens_carry_the_issuer_of_the_metadata(
    system: LocalSystem, api: ApiClient, notes_service: httpx.Client
) -> None:
    """`make run`'s issuer: the gateway it started, + /auth (RFC 8414 §2)."""
    issuer = f"{system.url('gateway')}/auth"
    metadata = api.http.get("/.well-known/oauth-authorization-server/auth")
    assert (metadata.status_code, metadata.json()["issuer"]) == (200, issuer)
    user = api.register()
    token = api.login(user["email"], user["password"])["access_token"]
    assert jwt.get_unverified_claims(token)["iss"] == issuer
    assert notes_service.get("/notes", headers=token_headers(token)).status_code == 200


def signed_before_the_upgrade(system: LocalSystem, token: str, **overrides: int) -> str:
    """`token` as auth-service signed it before its issuer became a URL: the
    same claims (but `overrides`) and key, `iss` the old name."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = Path(system.extra_env["PLATFORM_DATA_DIR"], "auth-keys", f"{kid}.pem").read_text()
    claims = {**jwt.get_unverified_claims(token), **overrides, "iss": LEGACY_ISSUER}
    return str(jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid}))


def test_tokens_of_the_old_issuer_accepted_until_they_expire(
    system: LocalSystem, api: ApiClient, notes_service: httpx.Client
) -> None:
    user = api.register()
    token = api.login(user["email"], user["password"])["access_token"]
    old = signed_before_the_upgrade(system, token)
    assert notes_service.get("/notes", headers=token_headers(old)).status_code == 200
    assert api.http.get("/notes", headers=token_headers(old)).status_code == 200
    assert api.http.get("/auth/me", headers=token_headers(old)).json()["email"] == user["email"]
    claims = jwt.get_unverified_claims(token)
    expired = signed_before_the_upgrade(
        system, token, iat=claims["iat"] - 960, exp=claims["iat"] - 60
    )
    assert notes_service.get("/notes", headers=token_headers(expired)).status_code == 401
    assert api.http.get("/notes", headers=token_headers(expired)).status_code == 401


def test_deleted_users_token_refused(api: ApiClient, notes_service: httpx.Client) -> None:
    leaving, staying = api.register(), api.register()
    token = api.login(leaving["email"], leaving["password"])["access_token"]
    other = api.login(staying["email"], staying["password"])["access_token"]
    assert notes_service.get("/notes", headers=token_headers(token)).status_code == 200

    assert api.delete_account(token_headers(token), leaving["password"]).status_code == 204
    eventually(lambda: refused_by_notes_service(notes_service, token), REVOCATION_BOUND_SECONDS)
    refused = notes_service.get("/notes", headers=token_headers(token))
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert notes_service.get("/notes", headers=token_headers(other)).status_code == 200


def test_deactivated_users_token_refused(api: ApiClient, notes_service: httpx.Client) -> None:
    root = api.login(*SUPERUSER)["access_token"]
    user = api.register()
    token = api.login(user["email"], user["password"])["access_token"]
    user_id = api.me(token_headers(token))["id"]
    deactivated = api.http.patch(
        f"/auth/users/{user_id}", json={"is_active": False}, headers=token_headers(root)
    )
    assert deactivated.status_code == 200, deactivated.text
    eventually(lambda: refused_by_notes_service(notes_service, token), REVOCATION_BOUND_SECONDS)


def refused_by_the_gateway(api: ApiClient, token: str) -> bool:
    return api.http.get("/notes", headers=token_headers(token)).status_code == 401


def test_logged_out_sessions_token_refused(api: ApiClient, notes_service: httpx.Client) -> None:
    """A log-out ends its session's access token within the revocation bound,
    at the gateway and at notes-service, and no other session's."""
    user = api.register()
    leaving = api.login(user["email"], user["password"])["access_token"]
    staying = api.login(user["email"], user["password"])["access_token"]
    assert notes_service.get("/notes", headers=token_headers(leaving)).status_code == 200
    assert api.http.get("/notes", headers=token_headers(leaving)).status_code == 200

    assert api.http.post("/auth/logout", headers=token_headers(leaving)).status_code == 204
    eventually(lambda: refused_by_the_gateway(api, leaving), REVOCATION_BOUND_SECONDS)
    eventually(lambda: refused_by_notes_service(notes_service, leaving), REVOCATION_BOUND_SECONDS)
    refused = api.http.get("/notes", headers=token_headers(leaving))
    assert 'error_description="token revoked"' in refused.headers["WWW-Authenticate"]
    assert notes_service.get("/notes", headers=token_headers(staying)).status_code == 200
    assert api.http.get("/notes", headers=token_headers(staying)).status_code == 200


def test_a_session_ended_from_another_refused(api: ApiClient, notes_service: httpx.Client) -> None:
    """DELETE /auth/me/sessions/{id}: the lost phone's token stops working too."""
    user = api.register()
    phone = api.login(user["email"], user["password"])["access_token"]
    laptop = api.login(user["email"], user["password"])["access_token"]
    phone_session = jwt.get_unverified_claims(phone)["sid"]
    ended = api.http.delete(f"/auth/me/sessions/{phone_session}", headers=token_headers(laptop))
    assert ended.status_code == 204
    eventually(lambda: refused_by_the_gateway(api, phone), REVOCATION_BOUND_SECONDS)
    eventually(lambda: refused_by_notes_service(notes_service, phone), REVOCATION_BOUND_SECONDS)
    assert api.http.get("/notes", headers=token_headers(laptop)).status_code == 200
