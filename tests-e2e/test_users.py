"""Accounts and tokens, through the gateway."""

from __future__ import annotations

import pytest
from api_client import ApiClient, bearer, random_email

SUPERUSER = ("root@e2e.example", "root-password-e2e")  # set in conftest


class TestAccount:
    def test_register_login_me_update(self, api: ApiClient) -> None:
        email = random_email()
        user = api.register(email.upper())
        assert user["email"] == email

        tokens = api.login(email, user["password"])
        assert tokens["token_type"].lower() == "bearer"
        me = api.me(bearer(tokens))
        assert (me["email"], me["is_superuser"]) == (email, False)

        patched = api.http.patch(
            "/auth/me",
            json={"full_name": "E2E Person"},
            headers=bearer(tokens),
        )
        assert (patched.status_code, patched.json()["full_name"]) == (200, "E2E Person")

    def test_privileges_cannot_be_self_granted(self, api: ApiClient) -> None:
        email = random_email()
        response = api.http.post(
            "/auth/register",
            json={"email": email, "password": "e2e-password-1", "is_superuser": True},
        )
        assert response.status_code == 202
        tokens = api.login(email, "e2e-password-1")
        assert api.me(bearer(tokens))["is_superuser"] is False

    def test_a_taken_address_gets_the_same_answer(self, api: ApiClient) -> None:
        """Issue 33, finding 4: registration no longer tells whether an address
        has an account (it answered 409); the owner's account is untouched."""
        email = random_email()
        new = api.http.post("/auth/register", json={"email": email, "password": "e2e-password-1"})
        taken = api.http.post(
            "/auth/register", json={"email": email.upper(), "password": "e2e-password-2"}
        )
        assert (taken.status_code, taken.json()) == (new.status_code, new.json())
        assert taken.headers["content-length"] == new.headers["content-length"]
        assert new.status_code == 202
        assert api.password_grant(email, "e2e-password-2").status_code == 400
        api.login(email, "e2e-password-1")

    def test_wrong_password_and_unknown_email_answer_alike(self, api: ApiClient) -> None:
        user = api.register()
        answers = [
            api.password_grant(username, "wrong-password")
            for username in (user["email"], random_email())
        ]
        assert [a.status_code for a in answers] == [400, 400]
        assert answers[0].json() == answers[1].json()
        assert answers[0].json()["error"] == "invalid_grant"


class TestRefreshAndRevoke:
    def test_rotation_reuse_and_revoke(self, api: ApiClient) -> None:
        user = api.register()
        first = api.login(user["email"], user["password"])

        def refresh(token: str) -> tuple[int, dict[str, str]]:
            response = api.http.post(
                "/auth/token", data={"grant_type": "refresh_token", "refresh_token": token}
            )
            return response.status_code, response.json()

        status, second = refresh(first["refresh_token"])
        assert status == 200
        assert second["refresh_token"] != first["refresh_token"]
        status, body = refresh(first["refresh_token"])  # reuse of a used token
        assert (status, body["error"]) == (400, "invalid_grant")
        status, _ = refresh(second["refresh_token"])  # the whole family is revoked
        assert status == 400

        third = api.login(user["email"], user["password"])
        revoked = api.http.post("/auth/revoke", data={"token": third["refresh_token"]})
        assert revoked.status_code == 200
        status, _ = refresh(third["refresh_token"])
        assert status == 400


class TestAdministration:
    @pytest.fixture
    def root(self, api: ApiClient) -> dict[str, str]:
        return bearer(api.login(*SUPERUSER))

    def test_superuser_manages_users(self, api: ApiClient, root: dict[str, str]) -> None:
        user = api.register()
        user_id = api.account_of(user)["id"]
        listing = api.http.get("/auth/users?limit=100", headers=root)
        assert listing.status_code == 200
        read = api.http.get(f"/auth/users/{user_id}", headers=root)
        assert read.json()["email"] == user["email"]
        updated = api.http.patch(
            f"/auth/users/{user_id}", json={"full_name": "Renamed"}, headers=root
        )
        assert updated.json()["full_name"] == "Renamed"

    def test_ordinary_user_is_refused(self, api: ApiClient) -> None:
        headers = api.new_user()
        assert api.http.get("/auth/users", headers=headers).status_code == 403

    def test_deactivated_user_cannot_log_in(self, api: ApiClient, root: dict[str, str]) -> None:
        user = api.register()
        response = api.http.patch(
            f"/auth/users/{api.account_of(user)['id']}", json={"is_active": False}, headers=root
        )
        assert response.status_code == 200
        login = api.password_grant(user["email"], user["password"])
        assert login.status_code == 400
