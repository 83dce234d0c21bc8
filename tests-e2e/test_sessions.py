"""Credential changes end sessions everywhere (issue 11, item 3; decision 3)."""

from __future__ import annotations

from api_client import ApiClient
from systems import eventually


def test_token_from_before_a_password_change_is_refused(api: ApiClient) -> None:
    user = api.register()
    tokens = api.login(user["email"], user["password"])
    old = {"Authorization": f"Bearer {tokens['access_token']}"}
    api.create_note(old)
    changed = api.http.patch(
        "/auth/me",
        json={"password": "a-brand-new-password", "current_password": user["password"]},
        headers=old,
    )
    assert changed.status_code == 200
    # auth-service checks the version itself: at once.
    assert api.http.get("/auth/me", headers=old).status_code == 401
    # notes-service and the gateway within a poll of the revocation list.
    eventually(lambda: api.http.get("/notes/", headers=old).status_code == 401, within=10)
    refreshed = api.http.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 400
    fresh = api.login(user["email"], "a-brand-new-password")
    new = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert api.http.get("/notes/", headers=new).status_code == 200


def test_email_change_and_deletion_need_the_password(api: ApiClient) -> None:
    user = api.register()
    tokens = api.login(user["email"], user["password"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    stolen_token_alone = api.http.patch(
        "/auth/me", json={"email": "thief@e2e.example"}, headers=headers
    )
    assert stolen_token_alone.status_code == 422
    assert api.http.request("DELETE", "/auth/me", headers=headers).status_code == 422
    assert api.delete_account(headers, "wrong-password").status_code == 403
    assert api.delete_account(headers, user["password"]).status_code == 204
