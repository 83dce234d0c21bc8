"""The grant registry (auth_service.oauth.grants): what the token endpoint
dispatches on is what the metadata lists."""

from typing import get_args

import httpx
import pytest

from auth_service.oauth import grants
from auth_service.oauth.grant_types import GrantRequest
from auth_service.oauth.introspection import authorization_server_metadata
from auth_service.schemas import GrantType, TokenResponse


class TestRegistry:
    def test_the_metadata_lists_the_registry(self) -> None:
        document = authorization_server_metadata(
            issuer="https://api.example/auth", public_url="https://api.example", scopes=["notes"]
        )
        assert document["grant_types_supported"] == list(grants.GRANTS)

    def test_clients_may_be_registered_for_every_grant_and_no_other(self) -> None:
        registrable = set(grants.GRANTS) - set(grants.CONTINUATIONS)
        assert sorted(get_args(GrantType)) == sorted(registrable)

    def test_a_continuation_finishes_a_registrable_grant(self) -> None:
        assert set(grants.CONTINUATIONS.values()) <= set(get_args(GrantType))

    async def test_a_new_entry_is_a_new_grant(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen: list[str | None] = []

        async def device_code(request: GrantRequest) -> TokenResponse:
            seen.append(request.form.scope)
            return TokenResponse(access_token="made-up", expires_in=60, scope="notes")

        urn = "urn:ietf:params:oauth:grant-type:device_code"
        before = await client.post("/auth/token", data={"grant_type": urn})
        assert (before.status_code, before.json()["error"]) == (400, "unsupported_grant_type")
        monkeypatch.setattr(grants, "GRANTS", {**grants.GRANTS, urn: device_code})
        answer = await client.post("/auth/token", data={"grant_type": urn, "scope": "notes"})
        assert (answer.status_code, answer.json()["access_token"], seen) == (
            200,
            "made-up",
            ["notes"],
        )
        document = authorization_server_metadata(
            issuer="https://api.example/auth", public_url="https://api.example", scopes=["notes"]
        )
        assert urn in document["grant_types_supported"]
