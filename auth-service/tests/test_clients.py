"""The client registry (auth_service.oauth.clients) and its superusers' API."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.models import OAuthClient, SecurityEvent
from auth_service.oauth.clients import secret_hash
from tests.conftest import PURGE_CLIENT, PURGE_SECRET, Account

SERVICE: dict[str, Any] = {
    "name": "Reports",
    "confidential": True,
    "grant_types": ["client_credentials"],
    "scopes": ["reports:read"],
    "audience": "reports-service",
}
APP: dict[str, Any] = {
    "name": "Notes on the go",
    "confidential": False,
    "grant_types": ["authorization_code", "refresh_token"],
    "scopes": ["notes:read", "offline_access"],
    "redirect_uris": ["https://app.example/callback", "http://127.0.0.1/callback"],
}


async def create(client: httpx.AsyncClient, root: Account, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/auth/clients", json=body, headers=root.headers)


async def client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


class TestCreate:
    async def test_confidential_client_gets_its_secret_once(
        self, client: httpx.AsyncClient, session: AsyncSession, root: Account
    ) -> None:
        created = await create(client, root, SERVICE)
        assert created.status_code == 201, created.text
        body = created.json()
        secret = body["client_secret"]
        assert secret.startswith("npcs_")
        assert created.headers["Location"] == f"/auth/clients/{body['client_id']}"
        assert created.headers["Cache-Control"] == "no-store"
        read = await client.get(f"/auth/clients/{body['client_id']}", headers=root.headers)
        assert "client_secret" not in read.json()
        stored = await session.get(OAuthClient, body["client_id"])
        assert stored is not None
        assert (stored.secret_hash, stored.source) == (secret_hash(secret), "api")
        token = await client_token(client, body["client_id"], secret)
        assert (token.status_code, token.json()["scope"]) == (200, "reports:read")

    async def test_public_client_has_no_secret(
        self, client: httpx.AsyncClient, root: Account
    ) -> None:
        created = await create(client, root, {**APP, "client_id": "notes-mobile"})
        assert created.status_code == 201, created.text
        assert (created.json()["client_id"], created.json()["client_secret"]) == (
            "notes-mobile",
            None,
        )
        again = await create(client, root, {**APP, "client_id": "notes-mobile"})
        assert again.status_code == 400

    @pytest.mark.parametrize(
        ("change", "status"),
        [
            # RFC 7591 §3.2.2: settings that cannot be together, 400.
            ({"confidential": False, "grant_types": ["client_credentials"]}, 400),
            ({"redirect_uris": []}, 400),
            ({"redirect_uris": ["http://app.example/callback"]}, 400),
            ({"redirect_uris": ["https://app.example/callback#x"]}, 400),
            ({"redirect_uris": ["javascript:alert(1)"]}, 400),
            ({"scopes": ["reports:read"]}, 400),
            # A value of the wrong shape: the request's own validation, 422.
            ({"grant_types": ["implicit"]}, 422),
            ({"client_id": "no spaces"}, 422),
        ],
    )
    async def test_invalid_settings_refused(
        self, client: httpx.AsyncClient, root: Account, change: dict[str, Any], status: int
    ) -> None:
        response = await create(client, root, {**APP, **change})
        assert response.status_code == status, response.text

    async def test_superusers_only(self, client: httpx.AsyncClient, alice: Account) -> None:
        assert (await create(client, alice, SERVICE)).status_code == 403
        assert (await client.post("/auth/clients", json=SERVICE)).status_code == 401


class TestChange:
    async def test_disabling_ends_its_tokens_and_authentication(
        self, client: httpx.AsyncClient, root: Account
    ) -> None:
        body = (await create(client, root, SERVICE)).json()
        changed = await client.patch(
            f"/auth/clients/{body['client_id']}", json={"enabled": False}, headers=root.headers
        )
        assert (changed.status_code, changed.json()["enabled"]) == (200, False)
        refused = await client_token(client, body["client_id"], body["client_secret"])
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")

    async def test_rotation_keeps_the_old_secret_for_the_grace_period(
        self, client: httpx.AsyncClient, session: AsyncSession, root: Account
    ) -> None:
        body = (await create(client, root, SERVICE)).json()
        client_id, old = body["client_id"], body["client_secret"]
        rotated = await client.post(f"/auth/clients/{client_id}/secret", headers=root.headers)
        assert rotated.status_code == 200
        new = rotated.json()["client_secret"]
        assert (await client_token(client, client_id, new)).status_code == 200
        assert (await client_token(client, client_id, old)).status_code == 200
        await session.execute(
            text(
                "UPDATE auth.oauth_clients SET previous_secret_expires_at = now() - interval '1 s'"
                " WHERE id = :id"
            ),
            {"id": client_id},
        )
        assert (await client_token(client, client_id, old)).status_code == 401
        assert (await client_token(client, client_id, new)).status_code == 200

    async def test_delete(self, client: httpx.AsyncClient, root: Account) -> None:
        body = (await create(client, root, SERVICE)).json()
        path = f"/auth/clients/{body['client_id']}"
        assert (await client.delete(path, headers=root.headers)).status_code == 204
        assert (await client.get(path, headers=root.headers)).status_code == 404
        assert (
            await client_token(client, body["client_id"], body["client_secret"])
        ).status_code == 401

    async def test_every_change_is_a_security_event(
        self, client: httpx.AsyncClient, session: AsyncSession, root: Account
    ) -> None:
        client_id = (await create(client, root, SERVICE)).json()["client_id"]
        path = f"/auth/clients/{client_id}"
        await client.patch(path, json={"name": "Reports v2"}, headers=root.headers)
        await client.post(f"{path}/secret", headers=root.headers)
        await client.patch(path, json={"enabled": False}, headers=root.headers)
        await client.delete(path, headers=root.headers)
        recorded = (
            await session.execute(
                select(SecurityEvent.type, SecurityEvent.user_id)
                .where(SecurityEvent.client_id == client_id)
                .order_by(SecurityEvent.id)
            )
        ).all()
        assert [type for type, _ in recorded] == [
            "client.created",
            "client.updated",
            "client.secret_rotated",
            "client.disabled",
            "client.deleted",
        ]
        assert {str(actor) for _, actor in recorded} == {root.id}


class TestConfiguredClients:
    async def test_auth_clients_are_in_the_registry(
        self, client: httpx.AsyncClient, root: Account
    ) -> None:
        listed = await client.get("/auth/clients", headers=root.headers)
        ids = [c["client_id"] for c in listed.json()]
        assert PURGE_CLIENT in ids
        assert int(listed.headers["X-Total-Count"]) >= 1
        assert (await client_token(client, PURGE_CLIENT, PURGE_SECRET)).status_code == 200

    async def test_the_docs_page_has_a_first_party_public_client(
        self, client: httpx.AsyncClient, root: Account
    ) -> None:
        docs = (await client.get("/auth/clients/notes-platform-docs", headers=root.headers)).json()
        assert (docs["confidential"], docs["first_party"], docs["grant_types"]) == (
            False,
            True,
            ["authorization_code"],
        )
        assert docs["redirect_uris"] == ["http://auth.test/docs/oauth2-redirect"]
