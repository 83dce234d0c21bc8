"""Password recovery and email verification (auth_service.accounts.recovery, account_mail)."""

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.delivery.account_mail import AccountMail, MailTemplates
from auth_service.models import (
    PASSWORD_RESET_EMAIL,
    AccountToken,
    OutboxEvent,
    SecurityEvent,
    User,
)
from auth_service.security import PasswordHasher, account_token_hash
from tests.conftest import (
    COMMITTED_DOMAIN,
    PASSWORD,
    Account,
    ClientAt,
    Mailbox,
    confirm_address,
    email_change_mailed,
    login,
    password_grant,
    register,
    register_stored,
    token_in,
    unique_email,
    update_me,
)

NEW_PASSWORD = "a brand new passphrase"


async def ask_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/auth/password-reset", json={"email": email})


async def reset_token(client: httpx.AsyncClient, mailbox: Mailbox, email: str) -> str:
    assert (await ask_reset(client, email)).status_code == 202
    (mail,) = await mailbox.deliver()
    assert mail["To"] == email
    return token_in(mail)


async def confirm(
    client: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD
) -> httpx.Response:
    return await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": password}
    )


async def dump(session: AsyncSession, table: str) -> str:
    """Every row of an `auth` table as text, to search for secrets."""
    assert table.isidentifier()
    query = f"SELECT string_agg(r::text, ' ') FROM auth.{table} r"  # noqa: S608  (a fixed name)
    rows = await session.scalar(text(query))
    return rows or ""


class TestPasswordReset:
    async def test_reset_ends_every_session_and_sets_the_password(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        assert (await confirm(client, token)).status_code == 204
        refreshed = await client.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": alice.refresh_token},
        )
        assert refreshed.status_code == 400
        assert (await client.get("/auth/me", headers=alice.headers)).status_code == 401
        assert (await password_grant(client, alice.email, PASSWORD)).status_code == 400
        assert (await password_grant(client, alice.email, NEW_PASSWORD)).status_code == 200

    async def test_single_use(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        assert (await confirm(client, token)).status_code == 204
        again = await confirm(client, token, "yet another passphrase")
        assert (again.status_code, again.json()) == (400, {"detail": "Invalid or expired token"})

    async def test_superseded_by_a_newer_one(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        older = await reset_token(client, mailbox, alice.email)
        newer = await reset_token(client, mailbox, alice.email)
        assert (await confirm(client, older)).status_code == 400
        assert (await confirm(client, newer)).status_code == 204

    async def test_expires(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        stored = await session.scalar(
            select(AccountToken).where(AccountToken.token_hash == account_token_hash(token))
        )
        assert stored is not None
        # Issued for 30 minutes.
        assert 29 * 60 < (stored.expires_at - stored.created_at).total_seconds() <= 31 * 60
        await session.execute(
            update(AccountToken)
            .where(AccountToken.id == stored.id)
            .values(expires_at=text("now() - interval '1 second'"))
        )
        assert (await confirm(client, token)).status_code == 400

    async def test_dead_once_the_password_changes(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        await update_me(client, alice, password="changed by the owner")
        assert (await confirm(client, token)).status_code == 400

    async def test_only_the_hash_is_stored(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        tokens = await dump(session, "account_tokens")
        assert token not in tokens
        assert token not in await dump(session, "outbox_events")
        assert account_token_hash(token) in tokens

    @pytest.mark.parametrize("token", ["", "x" * 257, "unknown-token"])
    async def test_bad_tokens(self, client: httpx.AsyncClient, token: str) -> None:
        response = await confirm(client, token)
        assert response.status_code == (400 if token == "unknown-token" else 422)

    async def test_new_password_rules_apply(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        assert (await confirm(client, token, "short")).status_code == 422
        assert (await confirm(client, token)).status_code == 204  # not spent by the refusal


class TestNoEnumeration:
    async def test_same_answer_and_same_work_for_unknown_addresses(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        mailbox: Mailbox,
        statements: list[str],
    ) -> None:
        known = await ask_reset(client, alice.email)
        known_work = list(statements)
        statements.clear()
        unknown = await ask_reset(client, unique_email())
        assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
        assert known.status_code == 202
        assert statements == known_work
        # Only the account's owner gets an email.
        assert [m["To"] for m in await mailbox.deliver()] == [alice.email]


STRANGER = "203.0.113.7"
# Where alice has never logged in from (the fixture's login came from 127.0.0.1).
OWNER_ELSEWHERE = "198.51.100.20"


class TestResetLimits:
    async def test_per_account_and_address(self, client: httpx.AsyncClient, alice: Account) -> None:
        answers = [(await ask_reset(client, alice.email)).status_code for _ in range(4)]
        assert answers == [202, 202, 202, 429]
        refused = await ask_reset(client, alice.email)
        assert int(refused.headers["Retry-After"]) > 0

    async def test_per_address(self, client: httpx.AsyncClient) -> None:
        answers = [(await ask_reset(client, unique_email())).status_code for _ in range(21)]
        assert answers == [202] * 20 + [429]

    async def test_a_stranger_does_not_lock_the_owner_out(
        self, client_at: ClientAt, alice: Account, mailbox: Mailbox
    ) -> None:
        """Issue 33, finding 6: three requests from anywhere used to spend the
        account's allowance (the owner's own then got 429 for an hour)."""
        stranger = client_at(STRANGER)
        answers = [(await ask_reset(stranger, alice.email)).status_code for _ in range(4)]
        assert answers == [202, 202, 202, 429]
        await mailbox.deliver()
        owner = await ask_reset(client_at(OWNER_ELSEWHERE), alice.email)
        assert owner.status_code == 202
        assert [m["To"] for m in await mailbox.deliver()] == [alice.email]

    async def test_account_cap_spares_addresses_it_logged_in_from(
        self, client: httpx.AsyncClient, client_at: ClientAt, alice: Account, mailbox: Mailbox
    ) -> None:
        """Strangers from many addresses spend the account-wide cap (10 an
        hour, against mail-bombing); the owner's request from an address the
        account has logged in from still gets through."""
        answers = [
            (await ask_reset(client_at(f"203.0.113.{n}"), alice.email)).status_code
            for n in range(1, 5)
            for _ in range(3)
        ]
        assert answers == [202] * 10 + [429] * 2
        assert (await ask_reset(client_at(OWNER_ELSEWHERE), alice.email)).status_code == 429
        await mailbox.deliver()
        assert (await ask_reset(client, alice.email)).status_code == 202  # 127.0.0.1: known
        assert [m["To"] for m in await mailbox.deliver()] == [alice.email]


class TestVerification:
    async def test_registration_sends_a_verification_email(
        self, client: httpx.AsyncClient, session: AsyncSession, mailbox: Mailbox
    ) -> None:
        _, user = await register_stored(client, session)
        email = user.email
        assert user.is_verified is False
        (mail,) = await mailbox.deliver()
        assert mail["To"] == email
        assert (await confirm_address(client, mail)).status_code == 204
        account = await login(client, email)
        assert (await client.get("/auth/me", headers=account.headers)).json()["is_verified"]
        assert (await confirm_address(client, mail)).status_code == 400  # single use

    async def test_first_superuser_is_verified(
        self, client: httpx.AsyncClient, root: Account
    ) -> None:
        assert (await client.get("/auth/me", headers=root.headers)).json()["is_verified"] is True

    async def test_email_change_is_pending_until_confirmed(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        new = unique_email()
        assert (await update_me(client, alice, email=new))["email"] == alice.email
        await mailbox.deliver()
        (notice,) = mailbox.to(alice.email)
        assert "change" in notice["Subject"]
        assert (await password_grant(client, new, PASSWORD)).status_code == 400
        (confirmation,) = mailbox.to(new)
        assert (await confirm_address(client, confirmation)).status_code == 204
        assert (await password_grant(client, new, PASSWORD)).status_code == 200
        assert (await password_grant(client, alice.email, PASSWORD)).status_code == 400

    async def test_address_taken_meanwhile(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        new = unique_email()
        confirmation = await email_change_mailed(client, mailbox, alice, new)
        await register(client, email=new)
        assert (await confirm_address(client, confirmation)).status_code == 409

    async def test_superuser_change_applies_unverified(
        self, client: httpx.AsyncClient, root: Account, alice: Account, mailbox: Mailbox
    ) -> None:
        new = unique_email()
        changed = await client.patch(
            f"/auth/users/{alice.id}", json={"email": new}, headers=root.headers
        )
        assert (changed.json()["email"], changed.json()["is_verified"]) == (new, False)
        await mailbox.deliver()
        assert len(mailbox.to(new)) == len(mailbox.to(alice.email)) == 1
        # The change ended alice's sessions; the token sent for it still proves the address.
        assert (await confirm_address(client, mailbox.to(new)[0])).status_code == 204


async def log_out_everywhere(client: httpx.AsyncClient, account: Account) -> None:
    response = await client.post("/auth/logout?everywhere=true", headers=account.headers)
    assert response.status_code == 204, response.text


async def reset_password(client: httpx.AsyncClient, account: Account, mailbox: Mailbox) -> None:
    token = await reset_token(client, mailbox, account.email)
    assert (await confirm(client, token)).status_code == 204


class TestEmailedTokensDieWithCredentialChanges:
    """Someone who knew the password for a moment asks to move the address to
    their own; whatever the owner then does to end sessions kills that request."""

    @pytest.mark.parametrize("end_sessions", ["password change", "reset", "logout everywhere"])
    async def test_a_sent_email_change_token(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox, end_sessions: str
    ) -> None:
        attacker = unique_email("attacker.example")
        confirmation = await email_change_mailed(client, mailbox, alice, attacker)
        if end_sessions == "password change":
            await update_me(client, alice, password="changed by the owner")
        elif end_sessions == "reset":
            await reset_password(client, alice, mailbox)
        else:
            await log_out_everywhere(client, alice)
        assert (await confirm_address(client, confirmation)).status_code == 400
        assert (await password_grant(client, attacker, PASSWORD)).status_code == 400

    async def test_an_email_change_not_yet_sent(
        self, client: httpx.AsyncClient, session: AsyncSession, alice: Account, mailbox: Mailbox
    ) -> None:
        """The owner ends sessions before the outbox sent the token: none is made."""
        attacker = unique_email("attacker.example")
        await update_me(client, alice, email=attacker)
        await log_out_everywhere(client, alice)
        await mailbox.deliver()
        assert mailbox.to(attacker) == []
        user_id = uuid.UUID(alice.id)
        live = await session.scalar(
            select(func.count()).where(
                AccountToken.user_id == user_id, AccountToken.spent_at.is_(None)
            )
        )
        assert live == 0

    async def test_a_reset_token_dies_with_logout_everywhere(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        token = await reset_token(client, mailbox, alice.email)
        await log_out_everywhere(client, alice)
        assert (await confirm(client, token)).status_code == 400

    async def test_a_newer_email_change_supersedes_a_sent_one(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        attacker, mine = unique_email("attacker.example"), unique_email()
        older = await email_change_mailed(client, mailbox, alice, attacker)
        await update_me(client, alice, email=mine)
        assert (await confirm_address(client, older)).status_code == 400
        await mailbox.deliver()
        (newer,) = mailbox.to(mine)
        assert (await confirm_address(client, newer)).status_code == 204

    async def test_a_newer_email_change_supersedes_an_unsent_one(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        attacker, mine = unique_email("attacker.example"), unique_email()
        await update_me(client, alice, email=attacker)
        await update_me(client, alice, email=mine)
        await mailbox.deliver()
        assert mailbox.to(attacker) == []
        (newer,) = mailbox.to(mine)
        assert (await confirm_address(client, newer)).status_code == 204

    async def test_email_and_password_changed_together_keep_the_new_request(
        self, client: httpx.AsyncClient, alice: Account, mailbox: Mailbox
    ) -> None:
        new = unique_email()
        confirmation = await email_change_mailed(
            client, mailbox, alice, new, password="changed by the owner"
        )
        assert (await confirm_address(client, confirmation)).status_code == 204


@pytest.fixture
async def verified_required(app: FastAPI) -> AsyncIterator[None]:
    state = app.state.auth
    app.state.auth = dataclasses.replace(
        state,
        token_policy=dataclasses.replace(state.token_policy, require_verified_email=True),
    )
    try:
        yield
    finally:
        app.state.auth = state


@pytest.mark.usefixtures("verified_required")
class TestVerifiedEmailRequired:
    async def test_unverified_refused_until_verified(
        self, client: httpx.AsyncClient, mailbox: Mailbox
    ) -> None:
        email = unique_email()
        await register(client, email=email)
        refused = await password_grant(client, email, PASSWORD)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        assert "not verified" in refused.json()["error_description"]
        (mail,) = await mailbox.deliver()
        await confirm_address(client, mail)
        assert (await password_grant(client, email, PASSWORD)).status_code == 200

    async def test_wrong_password_still_the_usual_answer(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        await register(client, email=email)
        refused = await password_grant(client, email, "wrong password!")
        assert refused.json()["error_description"] == "Incorrect email or password"


class TestEvents:
    async def test_reset_and_verification_recorded_without_secrets(
        self, client: httpx.AsyncClient, session: AsyncSession, mailbox: Mailbox
    ) -> None:
        email = unique_email()
        await register(client, email=email)
        (verification,) = await mailbox.deliver()
        await confirm_address(client, verification)
        token = await reset_token(client, mailbox, email)
        await confirm(client, token)
        user_id = await session.scalar(select(User.id).where(User.email == email))
        types = (
            await session.scalars(
                select(SecurityEvent.type).where(SecurityEvent.user_id == user_id)
            )
        ).all()
        assert {"email.verified", "password.reset"} <= set(types)
        rows = await dump(session, "security_events")
        for secret in (PASSWORD, NEW_PASSWORD, token, token_in(verification)):
            assert secret not in rows


class TestConcurrentIssuing:
    async def test_two_reset_emails_at_once_leave_one_live_token(
        self, app: FastAPI, committed_client: httpx.AsyncClient
    ) -> None:
        """One dispatcher batch may send two resets of one account at once:
        the account's row lock makes the later one supersede the other."""
        email = unique_email(COMMITTED_DOMAIN)
        await register(committed_client, email=email)
        async with app.state.auth.sessionmaker() as lookup:
            user_id = await lookup.scalar(select(User.id).where(User.email == email))
        assert user_id is not None
        sent: list[EmailMessage] = []

        class Collect:
            async def send(self, message: EmailMessage) -> None:
                sent.append(message)

        state = app.state.auth
        mail = AccountMail(
            state.sessionmaker,
            Collect(),
            templates=MailTemplates(sender="auth@example.com", public_url="http://api.test"),
            policy=state.recovery,
        )
        payload = {"user_id": str(user_id)}
        async with state.sessionmaker() as session:
            event = OutboxEvent(kind=PASSWORD_RESET_EMAIL, payload=payload)
            session.add(event)
            await session.commit()
        await asyncio.gather(
            *(mail.deliver(PASSWORD_RESET_EMAIL, payload, event_id=event.id) for _ in range(4))
        )
        async with state.sessionmaker() as session:
            live = await session.scalar(
                select(func.count()).where(
                    AccountToken.user_id == user_id,
                    AccountToken.spent_at.is_(None),
                )
            )
        assert (len(sent), live) == (4, 1)


class TestNoHashingForGuesses:
    async def test_made_up_token_refused_before_hashing(
        self, app: FastAPI, client: httpx.AsyncClient
    ) -> None:
        hasher: PasswordHasher = app.state.auth.hasher
        hashed: list[str] = []
        original = hasher.hash

        async def counting(password: str) -> str:
            hashed.append(password)
            return await original(password)

        hasher.hash = counting  # type: ignore[method-assign]
        try:
            response = await confirm(client, "made-up-token-" + "x" * 30)
        finally:
            hasher.hash = original  # type: ignore[method-assign]
        assert (response.status_code, hashed) == (400, [])
