"""Sending email: through SMTP (`AUTH_SMTP_URL`) or, with none configured,
into `.eml` files (`AUTH_MAIL_DIR`, the `make run` default), like Django's
file-based backend.

Only the outbox dispatcher (auth_service.delivery.outbox) sends: a failure raises
MailError and the event is retried with backoff. Messages may carry a secret
(a reset link): no log line here contains a message's body, and the SMTP
URL's password is never logged.
"""

from __future__ import annotations

import logging
import os
import ssl
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import anyio

logger = logging.getLogger(__name__)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class MailError(Exception):
    """The message was not handed over; the dispatcher retries it later."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """aiosmtplib.send's connection keywords, by the same names (SmtpMailer
    passes them as they are)."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the first byte
    start_tls: bool  # smtp://...?starttls=true: upgrade before authenticating

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """`smtp://[user:password@]host[:port][?starttls=true]` or `smtps://...`.

        ValueError names what is wrong, never the URL (it holds the password)."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError("AUTH_SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("AUTH_SMTP_URL has no host")
        implicit_tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        start_tls = query.get("starttls", ["false"])[-1].lower() in TRUE_WORDS
        if implicit_tls and start_tls:
            raise ValueError("AUTH_SMTP_URL: smtps:// is TLS already; starttls is for smtp://")
        try:
            port = parts.port or (465 if implicit_tls else 25)
        except ValueError:
            raise ValueError("AUTH_SMTP_URL has an invalid port") from None
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit_tls,
            start_tls=start_tls,
        )

    def __repr__(self) -> str:  # the password stays out of any log or traceback
        return f"SmtpConfig(hostname={self.hostname!r}, port={self.port}, tls={self.use_tls})"


class SmtpMailer:
    def __init__(
        self, config: SmtpConfig, *, timeout: float, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self._config = config
        self._timeout = timeout
        # None: the system's CAs (and SSL_CERT_FILE); tests pass their own.
        self._tls_context = tls_context

    async def send(self, message: EmailMessage) -> None:
        config = self._config
        try:
            await aiosmtplib.send(
                message, **asdict(config), tls_context=self._tls_context, timeout=self._timeout
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # The exception's text names the server's answer, not the credentials.
            raise MailError(f"SMTP {config.hostname}:{config.port}: {exc}") from None
        logger.info("mail sent through %s:%d", config.hostname, config.port)


class FileMailer:
    """Writes each message to `<directory>/<time>-<random>.eml` and logs the path."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, message: EmailMessage) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self._directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        try:
            await anyio.to_thread.run_sync(self._write, path, message.as_bytes())
        except OSError as exc:
            raise MailError(f"cannot write {path}: {exc.strerror}") from None
        # The path only: the file holds the message, link and all.
        logger.info("mail to %s written to %s", message["To"], path)

    def _write(self, path: Path, content: bytes) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        # 0600: the file may hold a reset link. O_EXCL: never over another file.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)


class InvalidRecipient(ValueError):
    """An address no message can be sent to; trying again cannot help."""


def compose(*, sender: str, to: str, subject: str, text: str) -> EmailMessage:
    """InvalidRecipient unless `to` is one plain address that the To: line
    carries as it is (auth_service.accounts.emails refuses such addresses on the way
    in; this guards rows stored before it did)."""
    if "=?" in to or any(ord(c) < 0x20 or ord(c) == 0x7F for c in to):
        raise InvalidRecipient("recipient holds an encoded word or a control character")
    message = EmailMessage()
    message["From"] = sender
    try:
        message["To"] = to
    except ValueError:  # the header parser's refusal (e.g. CR or LF in a part)
        raise InvalidRecipient("recipient is not an address") from None
    if [a.addr_spec for a in message["To"].addresses] != [to]:
        raise InvalidRecipient("recipient is not exactly one address")
    message["Subject"] = subject
    message.set_content(text)
    return message
