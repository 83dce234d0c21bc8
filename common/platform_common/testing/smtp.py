"""A real SMTP server in process (aiosmtpd), for tests that send email.

    with smtp_server() as server:            # plain SMTP
        ... send to server.host:server.port ...
        message = server.wait_for(lambda m: m["To"] == "a@example.com")

With `tls=TlsFiles(...)` (see self_signed_certificate) it offers STARTTLS and
refuses mail until the client has upgraded (`require_starttls`). With
`credentials` it asks for AUTH LOGIN/PLAIN (after STARTTLS, as servers do).
The server runs in a thread of its own, so synchronous tests (the end-to-end
suite) and async ones can both wait for messages.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))


def self_signed_certificate(directory: Path, hostname: str = "localhost") -> TlsFiles:
    """A certificate for `hostname` and 127.0.0.1, made now with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(directory / "smtp-cert.pem", directory / "smtp-key.pem")
    files.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@dataclass
class ReceivedMail:
    sender: str | None
    recipients: list[str]
    message: EmailMessage
    # Whether the client had upgraded to TLS when it sent this message.
    over_tls: bool


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[ReceivedMail] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def url(self, *, starttls: bool = False, credentials: tuple[str, str] | None = None) -> str:
        user = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
        query = "?starttls=true" if starttls else ""
        return f"smtp://{user}{self.host}:{self.port}{query}"

    def wait_for(
        self, matches: Callable[[EmailMessage], bool], *, timeout: float = 15.0
    ) -> EmailMessage:
        """The first message received that `matches`, waiting for it if need be."""
        with self._arrived:
            found = self._arrived.wait_for(
                lambda: next((m for m in self.received if matches(m.message)), None),
                timeout=timeout,
            )
        if found is None:
            raise AssertionError(f"no matching email within {timeout} s")
        return found.message

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self._arrived:
            return [m.message for m in self.received if address in m.recipients]

    # aiosmtpd handler hook.
    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        # Line ends as Python writes them, so tests compare bodies plainly.
        content = (envelope.original_content or b"").replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        mail = ReceivedMail(
            sender=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            message=parsed,
            over_tls=session.ssl is not None,
        )
        with self._arrived:
            self.received.append(mail)
            self._arrived.notify_all()
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(
    *, tls: TlsFiles | None = None, credentials: tuple[str, str] | None = None
) -> Iterator[SmtpServer]:
    """A running server on 127.0.0.1 and a free port; stopped on exit."""
    server = SmtpServer(host="127.0.0.1", port=_free_port())
    options: dict[str, Any] = {}
    if tls is not None:
        options.update(tls_context=tls.server_context(), require_starttls=True)
    if credentials is not None:

        def authenticate(
            _server: Any, _session: Session, _envelope: Envelope, mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == credentials
            )
            return AuthResult(success=ok)

        # Plain-text AUTH only after STARTTLS, unless the test has no TLS at all.
        options.update(
            authenticator=authenticate, auth_required=True, auth_require_tls=tls is not None
        )
    controller = Controller(server, hostname=server.host, port=server.port, **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
