import uuid
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts import users
from auth_service.config import Settings
from auth_service.delivery.mail import SmtpConfig, SmtpMailer
from auth_service.models import RefreshToken, User
from auth_service.security import PasswordHasher
from platform_common.testing.smtp import smtp_server
from tests.conftest import (
    PASSWORD,
    SUPERUSER_EMAIL,
    SUPERUSER_PASSWORD,
    Account,
    Mailbox,
    delete_me,
    login,
    password_grant,
    refresh_grant,
    register,
    register_stored,
    token_in,
    unique_email,
    update_me,
)


class TestRegister:
    async def test_accepted(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        email = unique_email()
        response = await client.post(
            "/auth/register", json={"email": email, "password": PASSWORD, "full_name": "Alice"}
        )
        assert response.status_code == 202
        body = response.json()
        assert set(body) == {"email", "detail"}  # no id: the answer for a taken address
        assert body["email"] == email
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        assert user.full_name == "Alice"
        assert (user.is_active, user.is_superuser, user.is_verified) == (True, False, False)

    async def test_trailing_slash(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/auth/register/", json={"email": unique_email(), "password": PASSWORD}
        )
        assert response.status_code == 202

    async def test_password_stored_hashed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        _, user = await register_stored(client, session)
        assert user.hashed_password.startswith("$argon2id$")
        assert PASSWORD not in user.hashed_password

    async def test_email_stored_lower_case(self, client: httpx.AsyncClient) -> None:
        body = await register(client, email="Mixed.Case@Example.COM")
        assert body["email"] == "mixed.case@example.com"
        assert (await password_grant(client, "MIXED.case@example.com", PASSWORD)).is_success

    async def test_privilege_fields_ignored(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = await register(
            client, is_active=False, is_superuser=True, id=str(uuid.uuid4()), hashed_password="x"
        )
        user = await session.scalar(select(User).where(User.email == body["email"]))
        assert user is not None
        assert (user.is_active, user.is_superuser) == (True, False)
        account = await login(client, body["email"])
        listing = await client.get("/auth/users", headers=account.headers)
        assert listing.status_code == 403

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"email": "not-an-email", "password": PASSWORD},
            {"email": "a@example.com"},
            {"password": PASSWORD},
            {"email": "a@example.com", "password": "short"},
            {"email": "a@example.com", "password": "x" * 129},
            {"email": "a@example.com", "password": 12345678},
            {"email": "a@example.com", "password": PASSWORD, "full_name": "nul\x00"},
            {"email": "a@example.com", "password": PASSWORD, "full_name": "x" * 256},
            {"email": "a\x00b@example.com", "password": PASSWORD},
        ],
    )
    async def test_invalid(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        response = await client.post("/auth/register", json=body)
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], list)

    async def test_password_length_boundaries(self, client: httpx.AsyncClient) -> None:
        await register(client, password="x" * 8)
        await register(client, password="x" * 128)

    async def test_megabyte_password_is_422_and_not_echoed(self, client: httpx.AsyncClient) -> None:
        password = "p" * 1_000_000
        response = await client.post(
            "/auth/register", json={"email": unique_email(), "password": password}
        )
        assert response.status_code == 422
        assert len(response.content) < 1000
        assert response.json()["detail"][0]["loc"] == ["body", "password"]

    async def test_malformed_json(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/auth/register",
            content=b'{"email": ',
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422

    async def test_a_body_that_is_not_json_is_415(self, client: httpx.AsyncClient) -> None:
        body = '{"email": "plain@example.com", "password": "' + PASSWORD + '"}'
        response = await client.post(
            "/auth/register", content=body, headers={"Content-Type": "text/plain"}
        )
        assert response.status_code == 415
        assert response.headers["Accept"] == "application/json"
        assert PASSWORD not in response.text


@pytest.fixture
def hashed(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the app's hasher hashes, in order."""
    hasher: PasswordHasher = app.state.auth.hasher
    hash_password = hasher.hash
    seen: list[str] = []

    async def counting(password: str) -> str:
        seen.append(password)
        return await hash_password(password)

    monkeypatch.setattr(hasher, "hash", counting)
    return seen


def notices(mailbox: Mailbox, email: str) -> list[EmailMessage]:
    return [m for m in mailbox.to(email) if "tried to register" in m["Subject"]]


class TestRegisterTakenAddress:
    """Issue 33, finding 4: a taken address got 409 "A user with this email
    already exists". Now it gets the answer a new address gets, after the
    same work (the password is hashed, the same statements run), and the
    address's owner is told by email."""

    async def test_same_answer_and_work_as_a_new_address(
        self, client: httpx.AsyncClient, statements: list[str], hashed: list[str]
    ) -> None:
        email = unique_email()
        new = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
        new_work = list(statements)
        assert (new.status_code, len(hashed)) == (202, 1)
        # Two: the third would pass the cap on notices (test_notices_capped_per_address).
        for variant in (email.upper(), f" {email.capitalize()}"):
            statements.clear()
            hashed.clear()
            taken = await client.post(
                "/auth/register", json={"email": variant, "password": "another passphrase"}
            )
            assert (taken.status_code, taken.json()) == (new.status_code, new.json())
            assert taken.headers["content-length"] == new.headers["content-length"]
            assert "location" not in taken.headers
            assert statements == new_work
            assert hashed == ["another passphrase"]

    async def test_no_second_account_and_nothing_changed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        email = unique_email()
        await register(client, email=email, full_name="Owner")
        await register(client, email=email.upper(), password="another passphrase", full_name="X")
        count = await session.scalar(select(func.count()).where(User.email == email))
        assert count == 1
        owner = await session.scalar(select(User).where(User.email == email))
        assert owner is not None
        assert owner.full_name == "Owner"
        assert (await password_grant(client, email, PASSWORD)).status_code == 200
        assert (await password_grant(client, email, "another passphrase")).status_code == 400

    async def test_owner_told_by_email(self, client: httpx.AsyncClient, mailbox: Mailbox) -> None:
        email = unique_email()
        await register(client, email=email)
        (verification,) = await mailbox.deliver()
        assert "tried to register" not in verification["Subject"]
        await register(client, email=email, password="attacker's password")
        (notice,) = await mailbox.deliver()
        assert notice["To"] == email
        assert "tried to register" in notice["Subject"]
        assert "attacker's password" not in notice.get_content()

    async def test_told_through_a_real_smtp_server(
        self, client: httpx.AsyncClient, mailbox: Mailbox
    ) -> None:
        email = unique_email()
        await register(client, email=email)
        await mailbox.deliver()
        with smtp_server() as server:
            mailbox.relay = SmtpMailer(SmtpConfig.from_url(server.url()), timeout=5)
            await register(client, email=email)
            await mailbox.deliver()
            received = server.wait_for(lambda m: m["To"] == email)
        assert "tried to register" in received["Subject"]
        assert "password reset" in received.get_content()

    async def test_notices_capped_per_address(
        self, client: httpx.AsyncClient, mailbox: Mailbox
    ) -> None:
        """Registration is open to anyone: without a cap it would mail-bomb the owner."""
        email = unique_email()
        first = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
        for _ in range(5):
            again = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
            assert (again.status_code, again.json()) == (first.status_code, first.json())
        await mailbox.deliver()
        # AUTH_REGISTRATION_MAIL_LIMIT (3): the verification email, then two notices.
        assert len(mailbox.to(email)) == 3
        assert len(notices(mailbox, email)) == 2


class TestMe:
    async def test_read(self, client: httpx.AsyncClient, alice: Account) -> None:
        for path in ("/auth/me", "/auth/me/"):
            response = await client.get(path, headers=alice.headers)
            assert response.status_code == 200
            assert response.json()["email"] == alice.email

    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    )
    async def test_needs_a_valid_token(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.get("/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    async def test_deactivated_user_refused(
        self, client: httpx.AsyncClient, alice: Account, root: Account
    ) -> None:
        await client.patch(
            f"/auth/users/{alice.id}", json={"is_active": False}, headers=root.headers
        )
        response = await client.get("/auth/me", headers=alice.headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    async def test_update_name_and_email(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        email = unique_email()
        updated = await update_me(client, alice, full_name="Alice A.", email=email.upper())
        # The new address is pending until confirmed with the token sent to it.
        assert (updated["full_name"], updated["email"]) == ("Alice A.", alice.email)
        await mailbox.deliver()
        (confirmation,) = mailbox.to(email)
        verified = await client.post("/auth/verify", json={"token": token_in(confirmation)})
        assert verified.status_code == 204
        relogged = await login(client, email)  # the email change ended the old session
        cleared = await client.patch("/auth/me", json={"full_name": None}, headers=relogged.headers)
        assert cleared.json()["full_name"] is None

    async def test_email_taken(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        response = await client.patch(
            "/auth/me",
            json={"email": bob.email.upper(), "current_password": PASSWORD},
            headers=alice.headers,
        )
        assert response.status_code == 409
        assert (await client.get("/auth/me", headers=alice.headers)).json()["email"] == alice.email

    @pytest.mark.parametrize("body", [{"email": None}, {"password": None}, {"email": "bad"}])
    async def test_invalid_update(
        self, client: httpx.AsyncClient, alice: Account, body: dict[str, Any]
    ) -> None:
        response = await client.patch("/auth/me", json=body, headers=alice.headers)
        assert response.status_code == 422

    async def test_new_password_needs_current_password(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        response = await client.patch(
            "/auth/me", json={"password": "brand new password"}, headers=alice.headers
        )
        assert response.status_code == 422
        wrong = await client.patch(
            "/auth/me",
            json={"password": "brand new password", "current_password": "not it at all"},
            headers=alice.headers,
        )
        assert wrong.status_code == 403
        assert wrong.json() == {"detail": "Current password is incorrect"}
        assert (await password_grant(client, alice.email, PASSWORD)).is_success

    async def test_password_change_revokes_refresh_tokens(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        response = await client.patch(
            "/auth/me",
            json={"password": "brand new password", "current_password": PASSWORD},
            headers=alice.headers,
        )
        assert response.status_code == 200
        assert (await password_grant(client, alice.email, PASSWORD)).status_code == 400
        assert (await password_grant(client, alice.email, "brand new password")).is_success
        refreshed = await refresh_grant(client, alice.refresh_token)
        assert refreshed.status_code == 400
        assert refreshed.json()["error"] == "invalid_grant"

    async def test_delete(
        self, client: httpx.AsyncClient, alice: Account, session: AsyncSession
    ) -> None:
        response = await delete_me(client, alice)
        assert response.status_code == 204
        assert response.content == b""
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 401
        assert (await password_grant(client, alice.email, PASSWORD)).status_code == 400
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 400
        tokens = await session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.user_id == uuid.UUID(alice.id))
        )
        assert tokens == 0


class TestUsersAdmin:
    async def test_ordinary_user_forbidden(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        requests = [
            client.get("/auth/users", headers=alice.headers),
            client.get(f"/auth/users/{bob.id}", headers=alice.headers),
            client.patch(f"/auth/users/{bob.id}", json={"full_name": "x"}, headers=alice.headers),
            client.delete(f"/auth/users/{bob.id}", headers=alice.headers),
        ]
        for request in requests:
            response = await request
            assert response.status_code == 403
            assert response.json() == {"detail": "Not enough privileges"}

    async def test_anonymous_unauthorized(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/auth/users")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"

    async def test_list_with_total(
        self, client: httpx.AsyncClient, root: Account, session: AsyncSession
    ) -> None:
        for _ in range(3):
            await register(client)
        total = await session.scalar(select(func.count()).select_from(User))
        response = await client.get("/auth/users", headers=root.headers)
        assert response.status_code == 200
        assert response.headers["X-Total-Count"] == str(total)
        assert len(response.json()) == total
        page = await client.get("/auth/users/?offset=1&limit=2", headers=root.headers)
        assert [u["id"] for u in page.json()] == [u["id"] for u in response.json()[1:3]]

    @pytest.mark.parametrize("query", ["offset=-1", "limit=0", "limit=101", "limit=x"])
    async def test_invalid_paging(
        self, client: httpx.AsyncClient, root: Account, query: str
    ) -> None:
        response = await client.get(f"/auth/users?{query}", headers=root.headers)
        assert response.status_code == 422

    async def test_read(self, client: httpx.AsyncClient, root: Account, alice: Account) -> None:
        response = await client.get(f"/auth/users/{alice.id}", headers=root.headers)
        assert (response.status_code, response.json()["email"]) == (200, alice.email)
        missing = await client.get(f"/auth/users/{uuid.uuid4()}", headers=root.headers)
        assert (missing.status_code, missing.json()) == (404, {"detail": "User not found"})
        invalid = await client.get("/auth/users/123", headers=root.headers)
        assert invalid.status_code == 422

    async def test_promote_and_deactivate(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        promoted = await client.patch(
            f"/auth/users/{alice.id}", json={"is_superuser": True}, headers=root.headers
        )
        assert promoted.json()["is_superuser"] is True
        assert (await client.get("/auth/users", headers=alice.headers)).status_code == 200
        disabled = await client.patch(
            f"/auth/users/{alice.id}", json={"is_active": False}, headers=root.headers
        )
        assert disabled.json()["is_active"] is False
        refused = await password_grant(client, alice.email, PASSWORD)
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 400

    async def test_set_password(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        response = await client.patch(
            f"/auth/users/{alice.id}", json={"password": "set by admin"}, headers=root.headers
        )
        assert response.status_code == 200
        assert (await password_grant(client, alice.email, "set by admin")).is_success
        assert (await refresh_grant(client, alice.refresh_token)).status_code == 400

    async def test_update_missing(self, client: httpx.AsyncClient, root: Account) -> None:
        response = await client.patch(
            f"/auth/users/{uuid.uuid4()}", json={"full_name": "x"}, headers=root.headers
        )
        assert response.status_code == 404

    async def test_delete(self, client: httpx.AsyncClient, root: Account, alice: Account) -> None:
        response = await client.delete(f"/auth/users/{alice.id}", headers=root.headers)
        assert response.status_code == 204
        again = await client.delete(f"/auth/users/{alice.id}", headers=root.headers)
        assert again.status_code == 404
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 401


class TestFirstSuperuser:
    async def test_created_once(self, app: FastAPI, session: AsyncSession) -> None:
        count = select(func.count()).select_from(User).where(User.email == SUPERUSER_EMAIL)
        assert await session.scalar(count) == 1
        created = await users.ensure_superuser(
            session,
            email=SUPERUSER_EMAIL.upper(),
            password="another password",
            hasher=app.state.auth.hasher,
        )
        assert created is False
        assert await session.scalar(count) == 1
        user = await session.scalar(select(User).where(User.email == SUPERUSER_EMAIL))
        assert user is not None
        assert user.is_superuser

    async def test_can_log_in(self, client: httpx.AsyncClient) -> None:
        account = await login(client, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        me = await client.get("/auth/me", headers=account.headers)
        assert me.json()["is_superuser"] is True

    async def test_new_email_creates_a_superuser(
        self, app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        email = unique_email()
        hasher = app.state.auth.hasher
        assert await users.ensure_superuser(session, email=email, password=PASSWORD, hasher=hasher)
        account = await login(client, email)
        assert (await client.get("/auth/users", headers=account.headers)).status_code == 200


class TestLastSuperuser:
    """Issue 11, item 9: nobody can leave the platform without a superuser."""

    async def assert_refused(self, response: httpx.Response) -> None:
        assert response.status_code == 409, response.text
        assert response.json() == {
            "detail": "The last active superuser cannot be demoted, deactivated or deleted"
        }

    @pytest.mark.parametrize("change", [{"is_superuser": False}, {"is_active": False}])
    async def test_cannot_be_demoted_or_deactivated(
        self, client: httpx.AsyncClient, root: Account, change: dict[str, bool]
    ) -> None:
        await self.assert_refused(
            await client.patch(f"/auth/users/{root.id}", json=change, headers=root.headers)
        )
        me = (await client.get("/auth/me", headers=root.headers)).json()
        assert (me["is_superuser"], me["is_active"]) == (True, True)

    async def test_cannot_be_deleted(self, client: httpx.AsyncClient, root: Account) -> None:
        await self.assert_refused(
            await client.delete(f"/auth/users/{root.id}", headers=root.headers)
        )
        await self.assert_refused(await delete_me(client, root))
        assert (await client.get("/auth/me", headers=root.headers)).status_code == 200

    async def test_another_superuser_makes_it_possible(
        self, client: httpx.AsyncClient, root: Account, alice: Account
    ) -> None:
        await client.patch(
            f"/auth/users/{alice.id}", json={"is_superuser": True}, headers=root.headers
        )
        demoted = await client.patch(
            f"/auth/users/{root.id}", json={"is_superuser": False}, headers=root.headers
        )
        assert (demoted.status_code, demoted.json()["is_superuser"]) == (200, False)
        # Now alice is the last one.
        await self.assert_refused(
            await client.patch(
                f"/auth/users/{alice.id}", json={"is_active": False}, headers=alice.headers
            )
        )


class TestFirstSuperuserPassword:
    """A weak AUTH_FIRST_SUPERUSER_PASSWORD stops start-up (Settings refuse it)."""

    @pytest.mark.parametrize(
        ("email", "password", "reason"),
        [
            ("admin@example.com", "short pass", "at least 12 characters"),
            ("administrator@example.com", "Administrator", "part before the @"),
            ("administrator@example.com", "ADMINISTRATOR@example.com", "email"),
        ],
    )
    def test_weak_refused(self, email: str, password: str, reason: str) -> None:
        with pytest.raises(
            ValidationError, match=f"AUTH_FIRST_SUPERUSER_PASSWORD is too weak.*{reason}"
        ):
            Settings(first_superuser_email=email, first_superuser_password=password)

    def test_strong_accepted(self) -> None:
        # The e2e suite's: it contains the local part but is neither it nor short.
        settings = Settings(
            first_superuser_email="root@e2e.example", first_superuser_password="root-password-e2e"
        )
        assert settings.first_superuser_password is not None


class TestEmailNormalisation:
    """One normal form for register, login, email change and the throttle."""

    TYPED = "  Ünïcode.Üser@BÜCHER.example "
    STORED = "ünïcode.üser@xn--bcher-kva.example"

    async def test_idn_address_registered_and_logging_in_as_typed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = await register(client, email=self.TYPED)
        assert body["email"] == self.STORED
        for spelling in (self.TYPED, self.STORED, "ÜNÏCODE.ÜSER@bücher.example"):
            response = await password_grant(client, spelling, PASSWORD)
            assert response.status_code == 200, (spelling, response.text)
        taken = await client.post(
            "/auth/register", json={"email": "ünïcode.üser@bücher.EXAMPLE", "password": PASSWORD}
        )
        assert taken.json()["email"] == self.STORED
        count = await session.scalar(select(func.count()).where(User.email == self.STORED))
        assert count == 1

    async def test_email_change_normalised(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        response = await client.patch(
            "/auth/me",
            json={"email": self.TYPED, "current_password": PASSWORD},
            headers=alice.headers,
        )
        assert response.status_code == 200
        await mailbox.deliver()
        (confirmation,) = mailbox.to(self.STORED)
        assert (
            await client.post("/auth/verify", json={"token": token_in(confirmation)})
        ).is_success
        me = await login(client, self.STORED)
        assert (await client.get("/auth/me", headers=me.headers)).json()["email"] == self.STORED
        assert (await password_grant(client, self.TYPED, PASSWORD)).status_code == 200

    async def test_first_superuser_normalised(self, app: FastAPI, session: AsyncSession) -> None:
        created = await users.ensure_superuser(
            session,
            email=" Chef@BÜCHER.example",
            password="superuser password",
            hasher=app.state.auth.hasher,
        )
        assert created
        stored = await session.scalar(
            select(User.email).where(User.is_superuser, User.email.like("chef@%"))
        )
        assert stored == "chef@xn--bcher-kva.example"


ENCODED_WORDS = [
    "=?utf-8?q?x=0d=0ax?=@d.example",
    "=?utf-8?q?x=40evil.example=3e?=@victim-mangle.example",
    "a=?b@d.example",
]


class TestAddressesAMailSystemTakes:
    """An RFC 2047 encoded word in an address would be decoded into the To:
    line (CR/LF, a second address): refused wherever an address enters."""

    @pytest.mark.parametrize("email", ENCODED_WORDS)
    async def test_register(self, client: httpx.AsyncClient, email: str) -> None:
        response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
        assert response.status_code == 422

    @pytest.mark.parametrize("email", ENCODED_WORDS)
    async def test_own_email_change(
        self, client: httpx.AsyncClient, alice: Account, email: str
    ) -> None:
        response = await client.patch(
            "/auth/me", json={"email": email, "current_password": PASSWORD}, headers=alice.headers
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("email", ENCODED_WORDS)
    async def test_superuser_change(
        self, client: httpx.AsyncClient, root: Account, alice: Account, email: str
    ) -> None:
        response = await client.patch(
            f"/auth/users/{alice.id}", json={"email": email}, headers=root.headers
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("email", ENCODED_WORDS)
    async def test_password_reset(self, client: httpx.AsyncClient, email: str) -> None:
        response = await client.post("/auth/password-reset", json={"email": email})
        assert response.status_code == 422
