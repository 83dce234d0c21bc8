"""Sending email for real: SMTP (plain, STARTTLS, with credentials) to an
aiosmtpd server in process, and the .eml files of the `make run` default."""

import asyncio
import logging
import stat
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth_service.accounts.recovery import RecoveryPolicy
from auth_service.accounts.throttle import Limit
from auth_service.config import Settings
from auth_service.delivery.account_mail import AccountMail, MailTemplates
from auth_service.delivery.mail import (
    FileMailer,
    InvalidRecipient,
    MailError,
    SmtpConfig,
    SmtpMailer,
    compose,
)
from auth_service.delivery.outbox import OutboxDispatcher
from auth_service.main import mailer
from auth_service.models import NOTICE_EMAIL, VERIFICATION_EMAIL, OutboxEvent, User
from platform_common.backoff import Backoff
from platform_common.outbox_pacing import OutboxPacing
from platform_common.testing.smtp import self_signed_certificate, smtp_server

SECRET = "s3cret-pass word"
POLICY = RecoveryPolicy(
    reset_lifetime=timedelta(minutes=30),
    verification_lifetime=timedelta(days=1),
    reset_per_account_address=Limit(3, timedelta(hours=1)),
    reset_per_address=Limit(20, timedelta(hours=1)),
    reset_per_account=Limit(10, timedelta(hours=1)),
    known_address_ttl=timedelta(days=90),
    registration_mail=Limit(3, timedelta(days=1)),
)


def message(to: str = "alice@example.com") -> EmailMessage:
    return compose(sender="auth@example.com", to=to, subject="Hello", text="a body\n")


class TestSmtpUrl:
    def test_plain_with_credentials(self) -> None:
        config = SmtpConfig.from_url("smtp://me%40x.example:p%3Ass@mail.example:2525")
        assert (config.hostname, config.port, config.username, config.password) == (
            "mail.example",
            2525,
            "me@x.example",
            "p:ss",
        )
        assert (config.use_tls, config.start_tls) == (False, False)

    def test_starttls_and_smtps(self) -> None:
        starttls = SmtpConfig.from_url("smtp://mail.example?starttls=true")
        implicit = SmtpConfig.from_url("smtps://mail.example")
        assert (starttls.port, starttls.start_tls, starttls.use_tls) == (25, True, False)
        assert (implicit.port, implicit.start_tls, implicit.use_tls) == (465, False, True)

    @pytest.mark.parametrize(
        "url",
        [
            f"http://user:{SECRET}@mail.example",
            "smtp://",
            f"smtps://user:{SECRET}@mail.example?starttls=true",
            f"smtp://user:{SECRET}@mail.example:99999",
        ],
    )
    def test_refused_without_echoing_the_url(self, url: str) -> None:
        with pytest.raises(ValueError, match="AUTH_SMTP_URL") as caught:
            SmtpConfig.from_url(url)
        assert SECRET not in str(caught.value)

    def test_repr_hides_the_password(self) -> None:
        config = SmtpConfig.from_url(f"smtp://user:{SECRET.replace(' ', '%20')}@mail.example")
        assert SECRET.split()[0] not in repr(config)


class TestSmtpMailer:
    async def test_plain(self) -> None:
        with smtp_server() as server:
            mailer = SmtpMailer(SmtpConfig.from_url(server.url()), timeout=5)
            await mailer.send(message())
            received = server.wait_for(lambda m: m["To"] == "alice@example.com")
        assert (received["Subject"], received.get_content()) == ("Hello", "a body\n")

    async def test_starttls_with_credentials(self, tmp_path: Path) -> None:
        tls = self_signed_certificate(tmp_path)
        with smtp_server(tls=tls, credentials=("mailer", SECRET)) as server:
            url = server.url(starttls=True, credentials=("mailer", SECRET.replace(" ", "%20")))
            mailer = SmtpMailer(
                SmtpConfig.from_url(url), timeout=5, tls_context=tls.client_context()
            )
            await mailer.send(message())
            server.wait_for(lambda m: m["To"] == "alice@example.com")
            assert [mail.over_tls for mail in server.received] == [True]

    async def test_untrusted_certificate_refused(self, tmp_path: Path) -> None:
        tls = self_signed_certificate(tmp_path)
        with smtp_server(tls=tls) as server:
            # The system's CAs do not know the test's certificate.
            mailer = SmtpMailer(SmtpConfig.from_url(server.url(starttls=True)), timeout=5)
            with pytest.raises(MailError):
                await mailer.send(message())
            assert server.received == []

    async def test_server_down_is_a_mail_error(self) -> None:
        with smtp_server() as server:
            url = server.url()
        with pytest.raises(MailError):
            await SmtpMailer(SmtpConfig.from_url(url), timeout=2).send(message())


class TestFileMailer:
    async def test_writes_a_private_eml_and_logs_only_its_path(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="auth_service.delivery.mail")
        body = "token-that-must-not-be-logged\n"
        mail = compose(sender="a@example.com", to="bob@example.com", subject="S", text=body)
        await FileMailer(tmp_path / "mail").send(mail)
        (written,) = (tmp_path / "mail").glob("*.eml")
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert "token-that-must-not-be-logged" in written.read_text()
        assert str(written) in caplog.text
        assert "token-that-must-not-be-logged" not in caplog.text


class TestMailerChoice:
    """Deployments pass AUTH_SMTP_URL through from their environment
    (`${AUTH_SMTP_URL:-}` in docker-compose.yml): empty means no SMTP server."""

    @pytest.mark.parametrize("value", ["", "  "])
    def test_an_empty_url_means_files(self, value: str, tmp_path: Path) -> None:
        settings = Settings(smtp_url=value, mail_dir=tmp_path)
        assert settings.smtp_url is None
        assert isinstance(mailer(settings), FileMailer)

    def test_a_url_means_smtp(self) -> None:
        settings = Settings(smtp_url="smtp://mail.example.com:2525")
        assert isinstance(mailer(settings), SmtpMailer)


class Switchable:
    """A mailer whose server the test can change between attempts."""

    def __init__(self, current: SmtpMailer) -> None:
        self.current = current

    async def send(self, message: EmailMessage) -> None:
        await self.current.send(message)


class TestDispatcherSendsMail:
    """The outbox's second kind: emails retried with backoff until the server takes them."""

    async def test_retried_until_the_server_answers(
        self, committed_db: async_sessionmaker[AsyncSession]
    ) -> None:
        with smtp_server() as probe:
            url = probe.url()
        mailer = Switchable(SmtpMailer(SmtpConfig.from_url(url), timeout=2))
        mail = AccountMail(
            committed_db,
            mailer,
            templates=MailTemplates(sender="auth@example.com", public_url="http://api.test"),
            policy=POLICY,
        )
        dispatcher = OutboxDispatcher(
            committed_db,
            # No purge events here: the notes client is never called.
            notes=None,  # type: ignore[arg-type]
            pacing=OutboxPacing(backoff=Backoff(base_seconds=0.001, cap_seconds=0.001)),
            mail=mail,
        )
        async with committed_db() as session:
            session.add(
                OutboxEvent(
                    kind=NOTICE_EMAIL,
                    payload={"to": "carol@example.com", "subject": "Notice", "text": "hi\n"},
                )
            )
            await session.commit()
        assert await dispatcher.run_once() == 1  # nobody listens on the port: a failure
        async with committed_db() as session:
            event = await session.scalar(select(OutboxEvent))
            assert event is not None
            assert (event.delivered_at, event.attempts) == (None, 1)
            assert event.last_error is not None
            assert "SMTP" in event.last_error
            # Due again now rather than after the backoff's real delay.
            event.next_attempt_at = event.created_at
            await session.commit()
        with smtp_server() as server:
            mailer.current = SmtpMailer(SmtpConfig.from_url(server.url()), timeout=2)
            await dispatcher.run_once()
            received = server.wait_for(lambda m: m["To"] == "carol@example.com")
        assert received["Subject"] == "Notice"
        async with committed_db() as session:
            event = await session.scalar(select(OutboxEvent))
            assert event is not None
            assert event.delivered_at is not None


POISONED = [
    "=?utf-8?q?x=0d=0ax?=@d.example",
    "=?utf-8?q?x=40evil.example=3e?=@victim-mangle.example",
]


class TestComposeRefusesWhatIsNoAddress:
    @pytest.mark.parametrize(
        "to", [*POISONED, "a@x.example, b@y.example", "a\r\nBcc: b@y.example", "Bob <b@x.example>"]
    )
    def test_invalid_recipient(self, to: str) -> None:
        with pytest.raises(InvalidRecipient):
            message(to)

    @pytest.mark.parametrize("to", ["alice@example.com", "ünï+tag@xn--bcher-kva.example"])
    def test_plain_addresses(self, to: str) -> None:
        assert message(to)["To"] == to


def mail_dispatcher(
    sessions: async_sessionmaker[AsyncSession], mailer: Any, *, batch_size: int
) -> OutboxDispatcher:
    mail = AccountMail(
        sessions,
        mailer,
        templates=MailTemplates(sender="auth@example.com", public_url="http://api.test"),
        policy=POLICY,
    )
    return OutboxDispatcher(
        sessions,
        # No purge events here: the notes client is never called.
        notes=None,  # type: ignore[arg-type]
        pacing=OutboxPacing(
            backoff=Backoff(base_seconds=60, cap_seconds=60), batch_size=batch_size
        ),
        mail=mail,
    )


def notice(to: str) -> OutboxEvent:
    return OutboxEvent(kind=NOTICE_EMAIL, payload={"to": to, "subject": "Notice", "text": "hi\n"})


async def stored_events(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxEvent]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all())


def failed_count(kind: str) -> float:
    value = REGISTRY.get_sample_value("auth_outbox_events_failed_total", {"kind": kind})
    return value or 0.0


class TestOneBadEventDelaysNoOther:
    """An event that raises, or can never be sent, is that event's problem alone."""

    async def test_poisoned_addresses_among_fifty_good_events(
        self, committed_db: async_sessionmaker[AsyncSession]
    ) -> None:
        good = [f"user-{n}@example.com" for n in range(50)]
        async with committed_db() as session:
            # Stored as an account's address before registration refused such
            # addresses: its verification mail, and a notice to it.
            poisoned_user = User(email=POISONED[0], hashed_password="x")
            session.add(poisoned_user)
            await session.flush()
            session.add_all([notice(to) for to in good[:25]])
            session.add(
                OutboxEvent(
                    kind=VERIFICATION_EMAIL,
                    payload={"user_id": str(poisoned_user.id), "email": POISONED[0]},
                )
            )
            session.add(notice(POISONED[1]))
            session.add_all([notice(to) for to in good[25:]])
            await session.commit()
        parked_before = failed_count(NOTICE_EMAIL) + failed_count(VERIFICATION_EMAIL)
        with smtp_server() as server:
            dispatcher = mail_dispatcher(
                committed_db,
                SmtpMailer(SmtpConfig.from_url(server.url()), timeout=5),
                batch_size=60,
            )
            assert await dispatcher.run_once() == 52
            assert sorted(r for m in server.received for r in m.recipients) == sorted(good)
        stored = await stored_events(committed_db)
        parked = [e for e in stored if e.failed_at is not None]
        assert [e.payload.get("to", e.payload.get("email")) for e in parked] == [
            POISONED[0],
            POISONED[1],
        ]
        assert all(e.delivered_at is None and "recipient" in (e.last_error or "") for e in parked)
        assert sum(e.delivered_at is not None for e in stored) == 50
        after = failed_count(NOTICE_EMAIL) + failed_count(VERIFICATION_EMAIL)
        assert after - parked_before == 2
        # Parked: never claimed again, even once due.
        async with committed_db() as session:
            await session.execute(update(OutboxEvent).values(next_attempt_at=func.now()))
            await session.commit()
        assert await dispatcher.run_once() == 0

    async def test_any_exception_is_retried_for_that_event_alone(
        self, committed_db: async_sessionmaker[AsyncSession]
    ) -> None:
        sent: list[str] = []

        class Surprising:
            async def send(self, message: EmailMessage) -> None:
                if message["To"] == "bad@example.com":
                    raise RuntimeError("a bug in a library")
                await asyncio.sleep(0.01)  # the others are still in flight when it raises
                sent.append(str(message["To"]))

        async with committed_db() as session:
            session.add_all([notice(f"ok-{n}@example.com") for n in range(5)])
            session.add(notice("bad@example.com"))
            await session.commit()
        dispatcher = mail_dispatcher(committed_db, Surprising(), batch_size=10)
        assert await dispatcher.run_once() == 6
        assert len(sent) == 5
        (bad,) = [e for e in await stored_events(committed_db) if e.delivered_at is None]
        assert (bad.payload["to"], bad.failed_at, bad.attempts) == ("bad@example.com", None, 1)
        assert "RuntimeError: a bug in a library" in (bad.last_error or "")
        assert bad.next_attempt_at > bad.created_at + timedelta(seconds=29)  # backed off
