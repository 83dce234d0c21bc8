"""The bench's accounts, made and logged in through the gateway."""

from __future__ import annotations

import uuid

import httpx

PASSWORD = "bench-password-1"  # noqa: S105 (a throw-away account)


def login(gateway: str, email: str) -> str:
    response = httpx.post(
        f"{gateway}/auth/token",
        data={"grant_type": "password", "username": email, "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def user_id_of(gateway: str, token: str) -> uuid.UUID:
    response = httpx.get(f"{gateway}/auth/me", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return uuid.UUID(response.json()["id"])


def register(gateway: str, prefix: str) -> tuple[str, str]:
    """A new account: its email and an access token."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@bench.example"
    httpx.post(
        f"{gateway}/auth/register", json={"email": email, "password": PASSWORD}
    ).raise_for_status()
    return email, login(gateway, email)
