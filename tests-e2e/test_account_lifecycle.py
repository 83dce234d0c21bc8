"""Issue 13 end to end, through the gateway: password recovery and email
verification with real SMTP delivery (aiosmtpd in this process), sessions,
security events, RFC 8414 metadata and RFC 7662 introspection.

The first test runs on the system as `make run` starts it (mail written to
.eml files); the others restart auth-service with AUTH_SMTP_URL set, and the
module's end restores it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from api_client import ApiClient, bearer, random_email
from run_local import LocalSystem
from systems import eventually, restart_with

from platform_common.testing.smtp import SmtpServer, smtp_server

with warnings.catch_warnings():
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

TOKEN_IN_MAIL = re.compile(r"^    ([A-Za-z0-9_-]{40,})$", re.MULTILINE)
INTROSPECTOR = ("e2e-introspector", "introspector-secret-0123456789")
# A client made for another service: it may not introspect (issue 33, finding 3).
REPORTS = ("e2e-reports", "reports-secret-0123456789")
NEW_PASSWORD = "e2e-new-password-2"


def token_in(message: EmailMessage) -> str:
    match = TOKEN_IN_MAIL.search(message.get_content())
    assert match is not None, message.get_content()
    return match.group(1)


def restart_auth(system: LocalSystem, env: dict[str, str]) -> None:
    restart_with(system, "auth-service", env)


@pytest.fixture(scope="module")
def smtp(system: LocalSystem) -> Iterator[SmtpServer]:
    """auth-service sending through a real SMTP server for this module."""
    original = dict(system.extra_env)
    with smtp_server() as server:
        clients = json.dumps(
            {
                INTROSPECTOR[0]: {
                    "secret": INTROSPECTOR[1],
                    "scopes": ["introspect", "introspect:username"],
                    "audience": "auth-service",
                    "introspection_audiences": ["notes-platform"],
                },
                REPORTS[0]: {
                    "secret": REPORTS[1],
                    "scopes": ["reports:read"],
                    "audience": "reports-service",
                },
            }
        )
        restart_auth(
            system,
            {
                **original,
                "AUTH_SMTP_URL": server.url(),
                "AUTH_CLIENTS": clients,
                "AUTH_MAIL_FROM": "accounts@e2e.example",
            },
        )
        try:
            yield server
        finally:
            restart_auth(system, original)


def registered(api: ApiClient, smtp: SmtpServer) -> tuple[dict[str, Any], EmailMessage]:
    """A new account and the verification email it was sent."""
    user = api.register()
    mail = smtp.wait_for(lambda m: m["To"] == user["email"] and "Confirm" in m["Subject"])
    return user, mail


def test_without_smtp_mail_is_written_to_eml_files(system: LocalSystem, api: ApiClient) -> None:
    """The `make run` default: $PLATFORM_DATA_DIR/mail/*.eml."""
    user = api.register()
    assert api.request_password_reset(user["email"]).status_code == 202
    mail_dir = Path(system.extra_env["PLATFORM_DATA_DIR"]) / "mail"

    def reset_file() -> list[Path]:
        files = sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []
        return [f for f in files if "Reset" in f.read_text() and user["email"] in f.read_text()]

    eventually(lambda: len(reset_file()) == 1, within=15)
    token = TOKEN_IN_MAIL.search(reset_file()[0].read_text())
    assert token is not None
    assert api.confirm_password_reset(token.group(1), NEW_PASSWORD).status_code == 204


def test_links_in_mail_lead_to_the_running_gateway(
    system: LocalSystem, api: ApiClient, smtp: SmtpServer
) -> None:
    """No AUTH_PUBLIC_URL is set: the runner derives it from the gateway's port."""
    _, mail = registered(api, smtp)
    gateway = system.url("gateway")
    assert f"POST {gateway}/auth/verify\n" in mail.get_content()


class TestPasswordReset:
    def test_reset_ends_every_session(self, api: ApiClient, smtp: SmtpServer) -> None:
        user, _ = registered(api, smtp)
        tokens = api.login(user["email"], user["password"])
        old = bearer(tokens)
        api.create_note(old)
        accepted = api.request_password_reset(user["email"])
        assert accepted.status_code == 202
        mail = smtp.wait_for(lambda m: m["To"] == user["email"] and "Reset" in m["Subject"])
        assert mail["From"] == "accounts@e2e.example"
        token = token_in(mail)
        assert api.confirm_password_reset(token, NEW_PASSWORD).status_code == 204
        # Single use.
        assert api.confirm_password_reset(token, "another-password-3").status_code == 400
        assert api.refresh(tokens["refresh_token"]).status_code == 400
        eventually(lambda: api.http.get("/notes/", headers=old).status_code == 401, within=10)
        fresh = api.login(user["email"], NEW_PASSWORD)
        assert api.http.get("/notes/", headers=bearer(fresh)).status_code == 200

    def test_superseded_and_dead_after_a_password_change(
        self, api: ApiClient, smtp: SmtpServer
    ) -> None:
        user, _ = registered(api, smtp)
        for count in (1, 2):  # one after the other: the second is the newer
            assert api.request_password_reset(user["email"]).status_code == 202

            def arrived(n: int = count) -> bool:
                return len(reset_mails(smtp, user["email"])) == n

            eventually(arrived, within=15)
        older, newer = (token_in(m) for m in reset_mails(smtp, user["email"]))
        assert api.confirm_password_reset(older, NEW_PASSWORD).status_code == 400
        tokens = api.login(user["email"], user["password"])
        changed = api.http.patch(
            "/auth/me",
            json={"password": "changed-meanwhile-4", "current_password": user["password"]},
            headers=bearer(tokens),
        )
        assert changed.status_code == 200
        assert api.confirm_password_reset(newer, NEW_PASSWORD).status_code == 400

    def test_no_account_enumeration(self, api: ApiClient, smtp: SmtpServer) -> None:
        user, _ = registered(api, smtp)
        stranger = random_email()
        unknown = api.request_password_reset(stranger)
        known = api.request_password_reset(user["email"])
        assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
        assert unknown.headers.get("content-length") == known.headers.get("content-length")
        smtp.wait_for(lambda m: m["To"] == user["email"] and "Reset" in m["Subject"])
        assert smtp.messages_to(stranger) == []

    def test_requests_are_limited(self, api: ApiClient, smtp: SmtpServer) -> None:
        email = random_email()
        answers = [api.request_password_reset(email) for _ in range(4)]
        assert [a.status_code for a in answers] == [202, 202, 202, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0


def reset_mails(smtp: SmtpServer, address: str) -> list[EmailMessage]:
    return [m for m in smtp.messages_to(address) if "Reset" in m["Subject"]]


class TestVerification:
    def test_registration_then_verify(self, api: ApiClient, smtp: SmtpServer) -> None:
        user, mail = registered(api, smtp)
        tokens = api.login(user["email"], user["password"])
        assert api.me(bearer(tokens))["is_verified"] is False
        assert api.verify_email(token_in(mail)).status_code == 204
        tokens = api.login(user["email"], user["password"])
        assert api.me(bearer(tokens))["is_verified"] is True

    def test_registering_a_taken_address_tells_its_owner(
        self, api: ApiClient, smtp: SmtpServer
    ) -> None:
        """Issue 33, finding 4: the same answer as for a new address, and the
        owner is emailed (through the outbox, to a real SMTP server)."""
        user, _ = registered(api, smtp)
        again = api.http.post(
            "/auth/register", json={"email": user["email"], "password": "e2e-password-9"}
        )
        assert (again.status_code, again.json()) == (
            202,
            {"email": user["email"], "detail": user["detail"]},
        )
        notice = smtp.wait_for(
            lambda m: m["To"] == user["email"] and "tried to register" in m["Subject"]
        )
        assert "e2e-password-9" not in notice.get_content()
        confirmations = [m for m in smtp.messages_to(user["email"]) if "Confirm" in m["Subject"]]
        assert len(confirmations) == 1  # no second account, no second verification

    def test_email_change_confirmed_by_the_new_address(
        self, api: ApiClient, smtp: SmtpServer
    ) -> None:
        user, _ = registered(api, smtp)
        tokens = api.login(user["email"], user["password"])
        new = random_email()
        response = api.http.patch(
            "/auth/me",
            json={"email": new, "current_password": user["password"]},
            headers=bearer(tokens),
        )
        assert (response.status_code, response.json()["email"]) == (200, user["email"])
        smtp.wait_for(lambda m: m["To"] == user["email"] and "changed" in m["Subject"])
        confirmation = smtp.wait_for(lambda m: m["To"] == new)
        assert api.verify_email(token_in(confirmation)).status_code == 204
        relogged = api.login(new, user["password"])
        me = api.http.get("/auth/me", headers=bearer(relogged)).json()
        assert (me["email"], me["is_verified"]) == (new, True)

    def test_verification_required_when_configured(
        self, system: LocalSystem, api: ApiClient, smtp: SmtpServer
    ) -> None:
        configured = dict(system.extra_env)
        restart_auth(system, {**configured, "AUTH_REQUIRE_VERIFIED_EMAIL": "true"})
        try:
            user, mail = registered(api, smtp)
            refused = api.password_grant(user["email"], user["password"])
            assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
            assert "not verified" in refused.json()["error_description"]
            assert api.verify_email(token_in(mail)).status_code == 204
            api.login(user["email"], user["password"])
        finally:
            restart_auth(system, configured)


class TestSessions:
    def test_listed_ended_and_logged_out_everywhere(self, api: ApiClient, smtp: SmtpServer) -> None:
        user, _ = registered(api, smtp)
        logins = [
            api.password_grant(user["email"], user["password"], {"User-Agent": agent}).json()
            for agent in ("e2e-laptop", "e2e-phone", "e2e-tablet")
        ]
        laptop, phone, tablet = logins
        listed = api.http.get("/auth/me/sessions", headers=bearer(laptop)).json()
        assert {s["user_agent"] for s in listed} == {"e2e-laptop", "e2e-phone", "e2e-tablet"}
        assert [s["user_agent"] for s in listed if s["current"]] == ["e2e-laptop"]
        assert {s["client_address"] for s in listed} == {"127.0.0.1"}
        (phone_session,) = [s["id"] for s in listed if s["user_agent"] == "e2e-phone"]
        ended = api.http.delete(f"/auth/me/sessions/{phone_session}", headers=bearer(laptop))
        assert ended.status_code == 204
        assert api.refresh(phone["refresh_token"]).status_code == 400
        assert api.http.post("/auth/logout", headers=bearer(tablet)).status_code == 204
        assert api.refresh(tablet["refresh_token"]).status_code == 400
        everywhere = api.http.post("/auth/logout?everywhere=true", headers=bearer(laptop))
        assert everywhere.status_code == 204
        assert api.refresh(laptop["refresh_token"]).status_code == 400
        eventually(
            lambda: api.http.get("/notes/", headers=bearer(laptop)).status_code == 401, within=10
        )

    def test_another_users_session_is_not_found(self, api: ApiClient, smtp: SmtpServer) -> None:
        alice_user, bob_user = api.register(), api.register()
        alice = api.login(alice_user["email"], alice_user["password"])
        bob = api.login(bob_user["email"], bob_user["password"])
        (bob_session,) = api.http.get("/auth/me/sessions", headers=bearer(bob)).json()
        response = api.http.delete(f"/auth/me/sessions/{bob_session['id']}", headers=bearer(alice))
        assert response.status_code == 404
        assert api.refresh(bob["refresh_token"]).status_code == 200


class TestEvents:
    def test_recorded_and_never_secret(
        self, api: ApiClient, smtp: SmtpServer, database_url: str
    ) -> None:
        user, mail = registered(api, smtp)
        api.verify_email(token_in(mail))
        wrong = "e2e-wrong-password"
        api.password_grant(user["email"], wrong)
        tokens = api.login(user["email"], user["password"])
        api.refresh(tokens["refresh_token"])
        api.refresh(tokens["refresh_token"])  # reuse
        api.request_password_reset(user["email"])
        reset = smtp.wait_for(lambda m: m["To"] == user["email"] and "Reset" in m["Subject"])
        api.confirm_password_reset(token_in(reset), NEW_PASSWORD)
        fresh = api.login(user["email"], NEW_PASSWORD)
        user_id = api.me(bearer(fresh))["id"]
        mine = api.http.get("/auth/me/events", headers=bearer(fresh))
        assert mine.status_code == 200
        types = {e["type"] for e in mine.json()}
        assert {
            "email.verified",
            "login.failed",
            "login.succeeded",
            "refresh_token.reused",
            "password.reset",
        } <= types
        assert int(mine.headers["X-Total-Count"]) == len(mine.json())
        root = bearer(api.login("root@e2e.example", "root-password-e2e"))
        filtered = api.http.get(
            "/auth/events", params={"user_id": user_id, "type": "login.failed"}, headers=root
        )
        assert [e["type"] for e in filtered.json()] == ["login.failed"]
        assert api.http.get("/auth/events", headers=bearer(fresh)).status_code == 403
        rows = asyncio.run(all_event_rows(database_url))
        secrets = [user["password"], NEW_PASSWORD, wrong, token_in(reset), token_in(mail)]
        secrets += [tokens["access_token"], tokens["refresh_token"], fresh["access_token"]]
        assert [s for s in secrets if s in rows] == []


async def all_event_rows(database_url: str) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetchval(
            "SELECT string_agg(e::text, ' ') FROM auth.security_events e"
        )
    finally:
        await connection.close()
    return str(rows or "")


class TestStandardEndpoints:
    def test_merged_document_has_the_new_routes(self, api: ApiClient) -> None:
        paths = api.http.get("/openapi.json").json()["paths"]
        for path in (
            "/auth/password-reset",
            "/auth/password-reset/confirm",
            "/auth/verify",
            "/auth/me/sessions",
            "/auth/me/sessions/{session_id}",
            "/auth/logout",
            "/auth/me/events",
            "/auth/events",
            "/auth/introspect",
            "/auth/.well-known/oauth-authorization-server",
            "/.well-known/oauth-authorization-server/auth",
        ):
            assert path in paths, path

    def test_metadata_configures_authlib(
        self, system: LocalSystem, api: ApiClient, smtp: SmtpServer
    ) -> None:
        document = api.http.get("/auth/.well-known/oauth-authorization-server").json()
        gateway = system.url("gateway")
        # RFC 8414 §3.3: the issuer the URL was formed from; §3.1's location
        # (the well-known string before the issuer's path) has the same document.
        assert document["issuer"] == f"{gateway}/auth"
        inserted = api.http.get("/.well-known/oauth-authorization-server/auth")
        assert (inserted.status_code, inserted.json()) == (200, document)
        # Only the scopes a third party may ask for: not the introspector's.
        assert "introspect" not in document["scopes_supported"]
        assert "notes" in document["scopes_supported"]
        assert document["token_endpoint"] == f"{gateway}/auth/token"
        assert document["introspection_endpoint"] == f"{gateway}/auth/introspect"
        assert document["authorization_endpoint"] == f"{gateway}/auth/authorize"
        assert document["response_types_supported"] == ["code"]
        user = api.register()
        with OAuth2Client(
            token_endpoint=document["token_endpoint"],
            token_endpoint_auth_method="none",
            scope="notes",
        ) as oauth:
            oauth.fetch_token(
                document["token_endpoint"], username=user["email"], password=user["password"]
            )
            me = oauth.get(f"{gateway}/auth/me")
        assert (me.status_code, me.json()["email"]) == (200, user["email"])

    def test_introspection(self, api: ApiClient, smtp: SmtpServer) -> None:
        user = api.register()
        tokens = api.login(user["email"], user["password"])
        client_auth = basic_auth(*INTROSPECTOR)

        def introspect(token: str) -> dict[str, Any]:
            response = api.http.post("/auth/introspect", data={"token": token}, headers=client_auth)
            assert response.status_code == 200
            body: dict[str, Any] = response.json()
            return body

        access = introspect(tokens["access_token"])
        assert (access["active"], access["sub"], access["username"]) == (
            True,
            api.me(bearer(tokens))["id"],
            user["email"],
        )
        assert introspect(tokens["refresh_token"])["token_type"] == "refresh_token"
        assert introspect("mF_9.B5f-4.1JqM") == {"active": False}
        api.http.post("/auth/logout?everywhere=true", headers=bearer(tokens))
        assert introspect(tokens["access_token"]) == {"active": False}
        assert introspect(tokens["refresh_token"]) == {"active": False}
        bad = api.http.post("/auth/introspect", data={"token": tokens["access_token"]})
        assert (bad.status_code, bad.json()["error"]) == (401, "invalid_client")

    def test_only_introspecting_clients_may(self, api: ApiClient, smtp: SmtpServer) -> None:
        user = api.register()
        tokens = api.login(user["email"], user["password"])
        refused = api.http.post(
            "/auth/introspect",
            data={"token": tokens["access_token"]},
            headers=basic_auth(*REPORTS),
        )
        assert (refused.status_code, refused.json()["error"]) == (403, "insufficient_scope")
        assert user["email"] not in refused.text


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}
