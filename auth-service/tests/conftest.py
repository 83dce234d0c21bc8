import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import delete, event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth_service.config import ClientConfig, Settings
from auth_service.delivery import account_mail
from auth_service.delivery.account_mail import AccountMail, MailTemplates
from auth_service.delivery.mail import Mailer
from auth_service.delivery.notes_client import PURGE_PATH
from auth_service.deps import get_session
from auth_service.main import create_app
from auth_service.models import OutboxEvent, User
from auth_service.oauth.keys import generate_private_pem
from platform_common.database import create_database_engine
from platform_common.testing.contract import Contract
from platform_common.testing.migrations import migrated_database
from platform_common.testing.service import ServiceUnderTest

# database_url, app and session from `service`.
pytest_plugins = ["platform_common.testing.fixtures"]

SERVICE_ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "http://auth.test"
TOKEN_URL = f"{BASE_URL}/auth/token"
PASSWORD = "correct horse battery"
SUPERUSER_EMAIL = "root@example.com"
SUPERUSER_PASSWORD = "superuser password"
PURGE_CLIENT = "auth-service-outbox"
PURGE_SECRET = "outbox-secret-0123456789"
# Introspection (test_introspection): a resource server of the platform that
# may see users' emails; one that may introspect only tokens for
# reports-service; one that may not see emails; one that may not introspect.
INTROSPECTOR = "resource-server"
REPORTS_INTROSPECTOR = "reports-introspector"
NO_USERNAME_INTROSPECTOR = "anonymous-introspector"
REPORTS_CLIENT = "reports-service"
LEAK_REPORTER = "secret-scanner"
NOTICES_CLIENT = "webhooks-service"
CLIENT_SECRET = "client-secret-0123456789"
# Committed (not rolled back) rows use this domain so the tests can remove them.
COMMITTED_DOMAIN = "committed.example.com"
NOTES_URL = "http://notes.test"
NOTES = Contract("notes-service", NOTES_URL)


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    # Its settings (`settings` below) are an authorization server's, not a resource server's.
    return ServiceUnderTest(
        "auth_test", SERVICE_ROOT, create_app, BASE_URL, session_dependency=get_session
    )


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> AsyncEngine:
    """The app's own engine, for the tests' sessions (`statements` watches it)."""
    engine: AsyncEngine = app.state.auth.engine
    return engine


@pytest.fixture(scope="session")
async def committed_sessionmaker() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A database of its own for tests whose data must really commit.

    The outbox dispatcher claims rows on separate connections (SKIP LOCKED,
    concurrent dispatchers), which a rolled-back test transaction cannot show.
    """
    async with migrated_database("auth_committed", SERVICE_ROOT) as url:
        engine = create_database_engine(url)
        try:
            yield async_sessionmaker(engine, expire_on_commit=False)
        finally:
            await engine.dispose()


@pytest.fixture
async def committed_db(
    committed_sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The committed database, emptied after each test."""
    try:
        yield committed_sessionmaker
    finally:
        async with committed_sessionmaker() as cleanup:
            await cleanup.execute(
                text("TRUNCATE auth.outbox_events, auth.subject_revocations, auth.users CASCADE")
            )
            await cleanup.commit()


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("auth-keys")
    (directory / "2026-01-01.pem").write_bytes(generate_private_pem())
    (directory / "2026-06-01.pem").write_bytes(generate_private_pem())
    return directory


def introspector(scopes: list[str], audiences: list[str]) -> ClientConfig:
    return ClientConfig.model_validate(
        {
            "secret": CLIENT_SECRET,
            "scopes": scopes,
            "audience": "auth-service",
            "introspection_audiences": audiences,
        }
    )


@pytest.fixture(scope="session")
def settings(database_url: str, keys_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        signing_keys_dir=keys_dir,
        # Cheap hashes keep the suite fast; test_security checks the real defaults.
        argon2_memory_cost_kib=64,
        argon2_time_cost=1,
        clients={
            PURGE_CLIENT: ClientConfig.model_validate(
                {"secret": PURGE_SECRET, "scopes": ["notes:purge"], "audience": "notes-service"}
            ),
            INTROSPECTOR: introspector(
                ["introspect", "introspect:username"], ["notes-platform", "notes-service"]
            ),
            REPORTS_INTROSPECTOR: introspector(["introspect"], ["reports-service"]),
            NO_USERNAME_INTROSPECTOR: introspector(["introspect"], ["notes-platform"]),
            REPORTS_CLIENT: ClientConfig.model_validate(
                {"secret": CLIENT_SECRET, "scopes": ["reports:read"], "audience": "reports-service"}
            ),
            NOTICES_CLIENT: ClientConfig.model_validate(
                {"secret": CLIENT_SECRET, "scopes": ["notices:send"], "audience": "notes-platform"}
            ),
            LEAK_REPORTER: ClientConfig.model_validate(
                {
                    "secret": CLIENT_SECRET,
                    "scopes": ["personal_tokens:leaks"],
                    "audience": "notes-platform",
                }
            ),
        },
        outbox_enabled=False,  # tests drive the dispatcher by hand (test_outbox)
        public_url=BASE_URL,
        first_superuser_email=SUPERUSER_EMAIL,
        first_superuser_password=SUPERUSER_PASSWORD,
    )


@pytest.fixture
async def client(app: FastAPI, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def committed_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests each get their own session and really commit.

    For what a shared rolled-back transaction cannot show, such as two
    requests racing on separate connections. Register users under
    COMMITTED_DOMAIN: they are deleted afterwards.
    """
    assert get_session not in app.dependency_overrides
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield client
    finally:
        async with app.state.auth.sessionmaker() as cleanup:
            await cleanup.execute(delete(User).where(User.email.like(f"%@{COMMITTED_DOMAIN}")))
            await cleanup.commit()


ClientAt = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_at(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[ClientAt]:
    """Clients whose requests come from a given address (rolled-back session)."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url=BASE_URL))
        return clients[-1]

    yield make
    for each in clients:
        await each.aclose()


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email(domain: str = "example.com") -> str:
    return f"user-{uuid.uuid4().hex[:10]}@{domain}"


async def register(
    client: httpx.AsyncClient, *, email: str | None = None, password: str = PASSWORD, **extra: Any
) -> dict[str, Any]:
    """The answer, `{"email", "detail"}`: the same whether or not the address
    was taken (register_stored for the account's row)."""
    response = await client.post(
        "/auth/register", json={"email": email or unique_email(), "password": password, **extra}
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def register_stored(
    client: httpx.AsyncClient, session: AsyncSession, **extra: Any
) -> tuple[dict[str, Any], User]:
    """Register an account; its answer and its row, loaded through the test's session."""
    body = await register(client, **extra)
    user = await session.scalar(select(User).where(User.email == body["email"]))
    assert user is not None
    return body, user


async def password_grant(
    client: httpx.AsyncClient, email: str, password: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/auth/token",
        data={"grant_type": "password", "username": email, "password": password, **extra},
    )


async def refresh_grant(client: httpx.AsyncClient, token: str, **extra: str) -> httpx.Response:
    return await client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": token, **extra}
    )


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Account:
    response = await password_grant(client, email, password)
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    return Account(
        id=me.json()["id"],
        email=email,
        password=password,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


async def new_account(client: httpx.AsyncClient, *, domain: str = "example.com") -> Account:
    email = unique_email(domain)
    await register(client, email=email)
    return await login(client, email)


async def update_me(client: httpx.AsyncClient, account: Account, **changes: str) -> dict[str, Any]:
    """The owner changes their own account (`email`, `password`, `full_name`),
    proving it with their current password: the answer's body (200)."""
    response = await client.patch(
        "/auth/me", json={**changes, "current_password": account.password}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def delete_me(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    return await client.request(
        "DELETE", "/auth/me", json={"current_password": account.password}, headers=account.headers
    )


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await new_account(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await new_account(client)


@pytest.fixture
async def root(client: httpx.AsyncClient) -> Account:
    return await login(client, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)


TOKEN_IN_MAIL = re.compile(r"^    ([A-Za-z0-9_-]{40,})$", re.MULTILINE)


def token_in(message: EmailMessage) -> str:
    """The reset or verification token an email carries."""
    body = message.get_content()
    match = TOKEN_IN_MAIL.search(body)
    assert match is not None, body
    return match.group(1)


@dataclass
class Mailbox:
    """The outbox's emails, delivered (AccountMail) into a list on demand,
    inside the test's rolled-back transaction."""

    session: AsyncSession
    app: FastAPI
    messages: list[EmailMessage] = field(default_factory=list)
    # Where each message also goes: a real SMTP server (SmtpMailer), say.
    relay: Mailer | None = None

    async def send(self, message: EmailMessage) -> None:
        if self.relay is not None:
            await self.relay.send(message)
        self.messages.append(message)

    async def deliver(self) -> list[EmailMessage]:
        """Send every pending email event; the messages sent now."""

        @asynccontextmanager
        async def same_session() -> AsyncIterator[AsyncSession]:
            yield self.session

        state = self.app.state.auth
        mail = AccountMail(
            same_session,  # type: ignore[arg-type]
            self,
            templates=MailTemplates(sender="auth@example.com", public_url="http://api.test"),
            policy=state.recovery,
        )
        pending = await self.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.kind.in_(account_mail.KINDS), OutboxEvent.delivered_at.is_(None))
            .order_by(OutboxEvent.id)
        )
        before = len(self.messages)
        for pending_event in pending.all():
            await mail.deliver(pending_event.kind, pending_event.payload, event_id=pending_event.id)
            pending_event.delivered_at = pending_event.created_at + timedelta(seconds=1)
        await self.session.flush()
        return self.messages[before:]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL the app runs (text only: the parameters differ by design)."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The test's savepoints (its commits) are numbered: not the app's work.
        if "SAVEPOINT" not in statement:
            seen.append(statement)

    engine = app.state.auth.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
async def mailbox(app: FastAPI, session: AsyncSession) -> Mailbox:
    box = Mailbox(session, app)
    await box.deliver()  # what the fixtures' registrations queued
    box.messages.clear()
    return box


async def email_change_mailed(
    client: httpx.AsyncClient, mailbox: Mailbox, account: Account, new: str, **changes: str
) -> EmailMessage:
    """The owner asks for the address `new` (with any other `changes`): the
    confirmation mailed to it."""
    await update_me(client, account, email=new, **changes)
    await mailbox.deliver()
    (confirmation,) = mailbox.to(new)
    return confirmation


async def confirm_address(client: httpx.AsyncClient, message: EmailMessage) -> httpx.Response:
    """POST /auth/verify with the token of a verification email."""
    return await client.post("/auth/verify", json={"token": token_in(message)})


# The outbox's consumer: notes-service's purge route, mocked as its contract
# documents it (test_outbox, test_metrics).
@pytest.fixture
def notes_mock() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as mock:
        yield NOTES.route_template(mock, "DELETE", PURGE_PATH)


@pytest.fixture
async def notes_http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=NOTES_URL, timeout=1.0) as client:
        yield client
