"""A small client for the public API, as an external consumer would use it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def random_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@e2e.example"


def token_headers(token: str) -> dict[str, str]:
    """The Authorization header of a bearer token (an access or personal one)."""
    return {"Authorization": f"Bearer {token}"}


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The Authorization header of a token response's access token."""
    return token_headers(tokens["access_token"])


class ApiClient:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10.0)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def register(
        self, email: str | None = None, password: str = "e2e-password-1"
    ) -> dict[str, Any]:
        """`{email, detail, password}`: the answer (202, the same whether or not
        the address was taken: `me` tells the account) and the password."""
        email = email or random_email()
        response = self.http.post("/auth/register", json={"email": email, "password": password})
        assert response.status_code == 202, response.text
        return {**response.json(), "password": password}

    def account_of(self, user: dict[str, Any]) -> dict[str, Any]:
        """A registered user's account, id included: logs in (a session of its own)."""
        return self.me(bearer(self.login(user["email"], user["password"])))

    def me(self, headers: dict[str, str]) -> dict[str, Any]:
        """The account the headers' token is for (`GET /auth/me`)."""
        response = self.http.get("/auth/me", headers=headers)
        assert response.status_code == 200, response.text
        account: dict[str, Any] = response.json()
        return account

    def password_grant(
        self, email: str, password: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A login's token request, answered whichever way it is."""
        return self.http.post(
            "/auth/token",
            data={"grant_type": "password", "username": email, "password": password},
            headers=headers,
        )

    def login(self, email: str, password: str) -> dict[str, Any]:
        response = self.password_grant(email, password)
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    def new_user(self) -> dict[str, str]:
        """Register and log in; return Authorization headers."""
        user = self.register()
        tokens = self.login(user["email"], user["password"])
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def request_password_reset(self, email: str) -> httpx.Response:
        return self.http.post("/auth/password-reset", json={"email": email})

    def confirm_password_reset(self, token: str, new_password: str) -> httpx.Response:
        return self.http.post(
            "/auth/password-reset/confirm", json={"token": token, "new_password": new_password}
        )

    def verify_email(self, token: str) -> httpx.Response:
        return self.http.post("/auth/verify", json={"token": token})

    def refresh(self, refresh_token: str) -> httpx.Response:
        return self.http.post(
            "/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    def delete_account(self, headers: dict[str, str], password: str) -> httpx.Response:
        """`DELETE /auth/me`, which needs the current password."""
        return self.http.request(
            "DELETE", "/auth/me", json={"current_password": password}, headers=headers
        )

    def create_note(
        self, headers: dict[str, str], title: str = "a title", description: str = "a description"
    ) -> dict[str, Any]:
        response = self.http.post(
            "/notes/", json={"title": title, "description": description}, headers=headers
        )
        assert response.status_code == 201, response.text
        note: dict[str, Any] = response.json()
        return note
