"""platform_common.testing.smtp: the in-process SMTP server the suites send to."""

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from platform_common.testing.smtp import self_signed_certificate, smtp_server


def message(to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "sender@example.com"
    mail["To"] = to
    mail["Subject"] = "Hi"
    mail.set_content("line one\nline two\n")
    return mail


def test_receives_plain_smtp() -> None:
    with smtp_server() as server, smtplib.SMTP(server.host, server.port, timeout=5) as client:
        client.send_message(message("a@example.com"))
        received = server.wait_for(lambda m: m["To"] == "a@example.com")
        assert received.get_content() == "line one\nline two\n"
        assert [m["Subject"] for m in server.messages_to("a@example.com")] == ["Hi"]
        assert server.received[0].over_tls is False


def test_starttls_required_then_credentials(tmp_path: Path) -> None:
    tls = self_signed_certificate(tmp_path)
    with smtp_server(tls=tls, credentials=("user", "secret")) as server:
        with (
            smtplib.SMTP(server.host, server.port, timeout=5) as plain,
            pytest.raises(smtplib.SMTPException),
        ):
            plain.send_message(message("b@example.com"))
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.starttls(context=tls.client_context())
            client.login("user", "secret")
            client.send_message(message("b@example.com"))
        server.wait_for(lambda m: m["To"] == "b@example.com")
        assert [m.over_tls for m in server.received] == [True]


def test_wait_for_fails_when_nothing_arrives() -> None:
    with smtp_server() as server, pytest.raises(AssertionError, match="no matching email"):
        server.wait_for(lambda m: True, timeout=0.2)
