"""Every answer an auth route gives is in the committed document, body included.

Regression tests for what the schemathesis run through the gateway
(tests-e2e/test_fuzz.py) found: 401 and 403 answered but undocumented on
the account and user routes, 400 for a wrong current password and for an
undecodable body, `/auth/revoke` documented as JSON while its 200 has no
body, and a form the token endpoint could not parse answered
`{"detail": ...}` instead of the OAuth 2.0 error form it documents.
"""

from typing import Any

import httpx
import jsonschema
import pytest

from platform_common.testing.contract import Contract
from tests.conftest import PASSWORD, Account, delete_me

CONTRACT = Contract("auth-service", "http://auth.test")
NOT_UTF8 = b'{"email": "\xff\xda\x9b@example.com", "password": "x"}'
USER_ID = "00000000-0000-0000-0000-000000000001"
ACCOUNT_OPERATIONS = [
    ("GET", "/auth/me", "/auth/me"),
    ("PATCH", "/auth/me", "/auth/me"),
    ("DELETE", "/auth/me", "/auth/me"),
    ("GET", "/auth/users", "/auth/users"),
    ("GET", "/auth/users/{user_id}", f"/auth/users/{USER_ID}"),
    ("PATCH", "/auth/users/{user_id}", f"/auth/users/{USER_ID}"),
    ("DELETE", "/auth/users/{user_id}", f"/auth/users/{USER_ID}"),
]
USER_OPERATIONS = [op for op in ACCOUNT_OPERATIONS if op[1].startswith("/auth/users")]


def conforms(method: str, template: str, response: httpx.Response) -> None:
    body = response.json() if response.content else None
    CONTRACT.validate(method, template, response.status_code, body)


@pytest.mark.parametrize(("method", "template", "path"), ACCOUNT_OPERATIONS)
async def test_invalid_token_is_documented_401(
    client: httpx.AsyncClient, method: str, template: str, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = await client.request(method, path, json={}, headers=headers)
        assert response.status_code == 401
        conforms(method, template, response)


@pytest.mark.parametrize(("method", "template", "path"), USER_OPERATIONS)
async def test_ordinary_user_gets_documented_403(
    client: httpx.AsyncClient, alice: Account, method: str, template: str, path: str
) -> None:
    response = await client.request(method, path, json={}, headers=alice.headers)
    assert response.status_code == 403
    conforms(method, template, response)


async def test_deleted_account_token_is_documented_401(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """The fuzzer's DELETE /auth/me left its token pointing at no user."""
    assert (await delete_me(client, alice)).status_code == 204
    response = await client.get("/auth/me", headers=alice.headers)
    assert response.status_code == 401
    conforms("GET", "/auth/me", response)


async def test_wrong_current_password_is_documented_403(
    client: httpx.AsyncClient, alice: Account
) -> None:
    body = {"password": "a-new-password-1", "current_password": "not-" + PASSWORD}
    response = await client.patch("/auth/me", json=body, headers=alice.headers)
    assert response.status_code == 403
    conforms("PATCH", "/auth/me", response)


class TestUndecodableBody:
    @pytest.mark.parametrize(
        ("method", "path", "template", "caller"),
        [
            ("POST", "/auth/register", "/auth/register", None),
            ("PATCH", "/auth/me", "/auth/me", "alice"),
            ("PATCH", f"/auth/users/{USER_ID}", "/auth/users/{user_id}", "root"),
        ],
    )
    async def test_is_documented_400(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        root: Account,
        method: str,
        path: str,
        template: str,
        caller: str | None,
    ) -> None:
        headers = {"Content-Type": "application/json"}
        if caller is not None:
            headers.update({"alice": alice, "root": root}[caller].headers)
        response = await client.request(method, path, content=NOT_UTF8, headers=headers)
        assert response.status_code == 400
        conforms(method, template, response)


class TestRevoke:
    async def test_ok_has_no_body_and_none_is_documented(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/revoke", data={"token": "null"})
        assert (response.status_code, response.content) == (200, b"")
        assert "content-type" not in response.headers
        documented = CONTRACT.operation("POST", "/auth/revoke")["responses"]["200"]
        assert not documented.get("content")


class TestUnparseableForm:
    """A form FastAPI cannot parse is an OAuth `invalid_request`, as documented."""

    @pytest.mark.parametrize("path", ["/auth/token", "/auth/revoke"])
    @pytest.mark.parametrize(
        ("content_type", "content"),
        [
            ("multipart/form-data", b"a"),  # no boundary
            # A file where a text field belongs: parsed, but not a valid form.
            (
                "multipart/form-data; boundary=xx",
                b'--xx\r\nContent-Disposition: form-data; name="token"; filename="a"\r\n\r\n'
                b'x\r\n--xx\r\nContent-Disposition: form-data; name="grant_type"; filename="b"'
                b"\r\n\r\npassword\r\n--xx--\r\n",
            ),
        ],
    )
    async def test_oauth_error_form(
        self, client: httpx.AsyncClient, path: str, content_type: str, content: bytes
    ) -> None:
        headers = {"Content-Type": content_type}
        response = await client.post(path, content=content, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert response.headers["cache-control"] == "no-store"
        conforms("POST", path, response)

    async def test_truncated_multipart_is_an_empty_form(self, client: httpx.AsyncClient) -> None:
        """The parser stops where the body does: no fields, hence a missing grant_type
        at the token endpoint, and a missing token at the revocation one."""
        headers = {"Content-Type": "multipart/form-data; boundary=xx"}
        content = b"--xx\r\nContent-Disposition: form-da"
        token = await client.post("/auth/token", content=content, headers=headers)
        assert (token.status_code, token.json()["error"]) == (400, "invalid_request")
        revoke = await client.post("/auth/revoke", content=content, headers=headers)
        assert (revoke.status_code, revoke.json()["error"]) == (400, "invalid_request")

    async def test_other_routes_keep_fastapi_form(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/auth/no-such-route")
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


class TestDocumentAgreesWithCode:
    """Issue 11, item 10: what schemathesis' positive data found refused."""

    def schema(self, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = CONTRACT.document["components"]["schemas"][name]
        return schema

    @pytest.mark.parametrize(
        "email",
        [
            "someone@host.test",
            "someone@x.arpa",
            "someone@Mail.INVALID",
            "someone@printer.local",
            "someone@a.localhost",
            "someone@hidden.onion",
        ],
    )
    async def test_special_use_domains_refused_by_both(
        self, client: httpx.AsyncClient, email: str
    ) -> None:
        body = {"email": email, "password": PASSWORD}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, self.schema("UserCreate"))
        assert (await client.post("/auth/register", json=body)).status_code == 422

    async def test_ordinary_domain_accepted_by_both(self, client: httpx.AsyncClient) -> None:
        body = {"email": "someone@testing.example", "password": PASSWORD}
        jsonschema.validate(body, self.schema("UserCreate"))
        assert (await client.post("/auth/register", json=body)).status_code == 202

    @pytest.mark.parametrize(
        "body",
        [
            {"password": "a new password", "current_password": None},
            {"password": None, "current_password": PASSWORD},
            {"email": None},
            {"password": "a new password"},
            {"email": "new@example.com"},
        ],
    )
    async def test_update_me_refusals_are_documented(
        self, client: httpx.AsyncClient, alice: Account, body: dict[str, Any]
    ) -> None:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, self.schema("UserUpdateMe"))
        response = await client.patch("/auth/me", json=body, headers=alice.headers)
        assert response.status_code == 422

    async def test_password_change_as_documented(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        body = {"password": "a new password", "current_password": PASSWORD}
        jsonschema.validate(body, self.schema("UserUpdateMe"))
        response = await client.patch("/auth/me", json=body, headers=alice.headers)
        assert response.status_code == 200
        conforms("PATCH", "/auth/me", response)
