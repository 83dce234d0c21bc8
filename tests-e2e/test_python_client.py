"""Issue 29 end to end: a consumer drives the live system through the typed
Python client (clients/python): sign in, create, page with cursors, patch with
If-Match, retry a keyed create, meet a 429 and wait it out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from api_client import ApiClient, random_email
from run_local import LocalSystem, free_port
from systems import extra_gateway
from test_oauth_apps import Browser, browser, register_app  # noqa: F401 (a fixture)

from notes_platform import (
    AsyncNotes,
    AuthenticatedClient,
    Notes,
    PlatformRetry,
    PreconditionFailed,
    TokenError,
    browser_sign_in,
    connect,
    password,
)
from notes_platform._generated.api.auth import auth_register, me_read
from notes_platform._generated.models import UserCreate, UserRead

PASSWORD = "e2e-client-password-1"


def base_url(system: LocalSystem) -> str:
    return system.url("gateway")


def register(url: str) -> str:
    """A new account, registered through the client without a token."""
    email = random_email()
    with connect(url) as anonymous:
        auth_register.sync(client=anonymous, body=UserCreate(email=email, password=PASSWORD))
    return email


@pytest.fixture
def signed_in(system: LocalSystem) -> Iterator[AuthenticatedClient]:
    url = base_url(system)
    client = connect(url, password(register(url), PASSWORD))
    with client:
        yield client


def test_sign_in_create_page_and_patch(signed_in: AuthenticatedClient) -> None:
    me = me_read.sync(client=signed_in)
    assert isinstance(me, UserRead)
    notes = Notes(signed_in)
    created = [notes.create(f"note {i}", f"number {i}") for i in range(5)]
    assert created[0].etag.startswith('"')
    paged = [note.id for note in notes.iterate(limit=2, sort="created_date")]
    assert paged == [tagged.note.id for tagged in created]

    first = notes.read(created[0].note.id)
    changed = notes.patch(first, title="renamed")
    assert (changed.note.title, changed.note.description) == ("renamed", "number 0")
    assert changed.etag != first.etag
    with pytest.raises(PreconditionFailed) as stale:
        notes.patch(first, title="lost update")
    assert stale.value.status == 412
    assert stale.value.request_id
    assert notes.read(first.note.id).note.title == "renamed"


def test_a_keyed_create_sent_again_creates_one_note(signed_in: AuthenticatedClient) -> None:
    notes = Notes(signed_in)
    first = notes.create("only once", "the same key twice", idempotency_key="e2e-key-1")
    again = notes.create("only once", "the same key twice", idempotency_key="e2e-key-1")
    assert again.note.id == first.note.id
    assert [note.id for note in notes.iterate()] == [first.note.id]


def test_async_paging(system: LocalSystem) -> None:
    url = base_url(system)
    client = connect(url, password(register(url), PASSWORD))
    notes = AsyncNotes(client)

    async def run() -> list[str]:
        async with client:
            for i in range(3):
                await notes.create(f"async {i}", "paged")
            return [note.title async for note in notes.iterate(limit=1, sort="title")]

    assert asyncio.run(run()) == ["async 0", "async 1", "async 2"]


def test_a_wrong_password_is_a_token_error(system: LocalSystem) -> None:
    url = base_url(system)
    email = register(url)
    with (
        connect(url, password(email, "not-the-password")) as client,
        pytest.raises(TokenError) as refused,
    ):
        me_read.sync(client=client)
    assert refused.value.error == "invalid_grant"


WAITED_ON: list[int] = []


class RecordingRetry(PlatformRetry):
    """The platform's policy, noting the status of each answer it waits after."""

    def sleep(self, response: httpx.Response | Exception) -> None:
        if isinstance(response, httpx.Response):
            WAITED_ON.append(response.status_code)
        super().sleep(response)


def test_meets_a_429_and_waits_it_out(system: LocalSystem) -> None:
    """A keyed create past the quota: the 429 waited out (Retry-After), the
    create sent again with its key, one note made."""
    tokens = password(register(base_url(system)), PASSWORD)
    with (
        extra_gateway(system, GATEWAY_RATE_LIMIT="3/10seconds") as url,
        connect(url, tokens, retry=RecordingRetry(total=6)) as client,
        httpx.Client(base_url=url, timeout=10.0) as raw,
    ):
        notes = Notes(client)
        assert list(notes.iterate()) == []
        assert tokens.token is not None
        # The rest of this window's quota spent by another program of the same person.
        spent = {"Authorization": f"Bearer {tokens.token.access_token}"}
        statuses: list[int] = []
        while len(statuses) < 6 and 429 not in statuses:
            statuses.append(raw.get("/notes", headers=spent).status_code)
        assert statuses[-1] == 429
        waited = len(WAITED_ON)
        created = notes.create("quota", "keyed, so retried")
        assert 429 in WAITED_ON[waited:]
        assert [note.id for note in notes.iterate()] == [created.note.id]


@pytest.mark.browser
def test_a_command_line_app_signs_a_person_in_with_their_browser(
    system: LocalSystem,
    api: ApiClient,
    browser: Browser,  # noqa: F811 (test_oauth_apps' fixture)
) -> None:
    """The authorization code flow with PKCE and the client's loopback receiver,
    the person in Chromium on the platform's sign-in and consent pages."""
    person = api.register()
    port = free_port()
    app = register_app(api, f"http://127.0.0.1:{port}/callback")

    def sign_in(url: str) -> None:
        page = browser.page
        page.goto(url)
        page.get_by_label("Email").fill(person["email"])
        page.get_by_label("Password").fill(person["password"])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Allow").click()

    tokens = browser_sign_in(
        base_url(system),
        app["client_id"],
        port=port,
        scope="notes:read offline_access",
        open_browser=sign_in,
    )
    assert tokens.token is not None
    assert tokens.token.refresh_token
    with connect(base_url(system), tokens) as client:
        assert list(Notes(client).iterate()) == []
