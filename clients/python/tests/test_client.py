"""The hand-written layer, against the mock kit alone."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

import notes_platform
from notes_platform import (
    AsyncNotes,
    Notes,
    PreconditionFailed,
    RateLimited,
    TokenError,
    connect,
    password,
    personal_access_token,
)
from notes_platform._generated.api.notes import notes_create
from notes_platform._generated.models import NoteWrite
from notes_platform.testing import PlatformMock, mock_platform

NOTE = {
    "id": 7,
    "title": "groceries",
    "description": "milk and bread",
    "created_date": "2026-12-07T12:00:00Z",
    "updated_date": "2026-12-07T12:00:00Z",
}
TOKENS = {"access_token": "a1", "token_type": "bearer", "expires_in": 900, "scope": "notes"}


@pytest.fixture
def platform() -> Iterator[PlatformMock]:
    with mock_platform() as mock:
        yield mock


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retries' waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr("notes_platform.retries.time.sleep", waits.append)
    return waits


def notes_for(platform: PlatformMock) -> Notes:
    return Notes(connect(platform.base_url, personal_access_token("np_pat_example")))


def test_a_personal_access_token_is_the_bearer(platform: PlatformMock) -> None:
    notes_for(platform).read(7)
    assert platform.requests("notes-read")[0].headers["Authorization"] == "Bearer np_pat_example"


def test_password_grant_then_refresh_before_expiry(platform: PlatformMock) -> None:
    platform.answer(
        "auth-token", json={**TOKENS, "expires_in": 0, "refresh_token": "r1"}, once=True
    )
    platform.answer("auth-token", json={**TOKENS, "access_token": "a2", "refresh_token": "r2"})
    tokens = password("me@example.com", "secret", client_id="cli")
    notes = Notes(connect(platform.base_url, tokens))
    notes.read(7)
    notes.read(7)
    forms = [parse_qs(r.content.decode()) for r in platform.requests("auth-token")]
    assert forms[0]["grant_type"] == ["password"]
    assert forms[1] == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["r1"],
        "client_id": ["cli"],
    }
    reads = platform.requests("notes-read")
    assert [r.headers["Authorization"] for r in reads] == ["Bearer a1", "Bearer a2"]
    notes.read(7)
    assert platform.calls("auth-token") == 2  # a2 still fresh


def test_two_threads_share_one_refresh(platform: PlatformMock) -> None:
    platform.answer("auth-token", json={**TOKENS, "refresh_token": "r"})
    notes = Notes(connect(platform.base_url, password("me@example.com", "secret")))
    threads = [threading.Thread(target=notes.read, args=(7,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert platform.calls("notes-read") == 8
    assert platform.calls("auth-token") == 1


async def test_concurrent_tasks_share_one_refresh(platform: PlatformMock) -> None:
    platform.answer("auth-token", json={**TOKENS, "refresh_token": "r"})
    notes = AsyncNotes(connect(platform.base_url, password("me@example.com", "secret")))
    await asyncio.gather(*(notes.read(7) for _ in range(8)))
    assert platform.calls("auth-token") == 1


def test_a_refused_grant_is_a_token_error(platform: PlatformMock) -> None:
    refused = {"error": "invalid_grant", "error_description": "wrong email or password"}
    platform.answer("auth-token", status=400, json=refused)
    with pytest.raises(TokenError) as raised:
        Notes(connect(platform.base_url, password("me@example.com", "nope"))).read(7)
    assert raised.value.error == "invalid_grant"
    assert platform.calls("notes-read") == 0


def test_a_create_retried_keeps_its_key(platform: PlatformMock, slept: list[float]) -> None:
    platform.answer("notes-create", status=429, headers={"Retry-After": "2"}, once=True)
    platform.answer("notes-create", status=503, json={"detail": "busy"}, once=True)
    platform.answer("notes-create", json=NOTE, headers={"ETag": '"v1"'})
    created = notes_for(platform).create("groceries", "milk and bread")
    assert created.note.id == 7
    assert created.etag == '"v1"'
    keys = {r.headers["Idempotency-Key"] for r in platform.requests("notes-create")}
    assert len(keys) == 1
    assert platform.calls("notes-create") == 3
    assert slept[0] == 2
    assert len(slept) == 2  # the 503's: backoff


def test_a_patch_is_never_retried(platform: PlatformMock, slept: list[float]) -> None:
    platform.answer("notes-patch", status=503, json={"detail": "busy"})
    notes = notes_for(platform)
    with pytest.raises(notes_platform.Unavailable):
        notes.patch(notes.read(7), title="again")
    assert platform.calls("notes-patch") == 1
    assert slept == []


def test_each_create_gets_its_own_key(platform: PlatformMock) -> None:
    notes = notes_for(platform)
    notes.create("first", "one")
    notes.create("second", "two")
    keys = {r.headers["Idempotency-Key"] for r in platform.requests("notes-create")}
    assert len(keys) == 2


def test_an_unkeyed_create_is_never_retried(platform: PlatformMock, slept: list[float]) -> None:
    platform.answer("notes-create", status=429, headers={"Retry-After": "1"})
    client = connect(platform.base_url, personal_access_token("np_pat_x"))
    with pytest.raises(RateLimited) as raised:
        notes_create.sync_detailed(client=client, body=NoteWrite(title="abc", description="def"))
    assert platform.calls("notes-create") == 1
    assert raised.value.retry_after == 1
    assert slept == []


def test_ratelimit_header_says_how_long(platform: PlatformMock, slept: list[float]) -> None:
    platform.answer(
        "notes-read", status=429, headers={"RateLimit": '"consumer";r=0;t=5'}, once=True
    )
    assert notes_for(platform).read(7).note.id > 0
    assert slept == [5]


def test_retries_end_with_the_typed_error(platform: PlatformMock, slept: list[float]) -> None:
    platform.answer("notes-read", status=429, headers={"Retry-After": "1", "X-Request-Id": "r-9"})
    with pytest.raises(RateLimited) as raised:
        notes_for(platform).read(7)
    assert raised.value.status == 429
    assert raised.value.request_id == "r-9"
    assert len(slept) == 4


def test_patch_sends_the_etag_and_412_is_typed(platform: PlatformMock) -> None:
    notes = notes_for(platform)
    platform.answer("notes-read", json=NOTE, headers={"ETag": '"v1"'})
    note = notes.read(7)
    platform.answer("notes-patch", status=412, json={"detail": "The note has changed"})
    with pytest.raises(PreconditionFailed) as raised:
        notes.patch(note, title="shopping")
    assert raised.value.detail == "The note has changed"
    sent = platform.requests("notes-patch")[0]
    assert sent.headers["If-Match"] == '"v1"'
    assert json.loads(sent.content) == {"title": "shopping"}


def page(ids: range) -> list[dict[str, object]]:
    return [{**NOTE, "id": i} for i in ids]


def two_pages(platform: PlatformMock) -> None:
    link = '</notes?limit=2&cursor=abc>; rel="next"'
    platform.answer("notes-list", json=page(range(1, 3)), headers={"Link": link}, once=True)
    platform.answer("notes-list", json=page(range(3, 4)), once=True)


def test_iterate_follows_next_links(platform: PlatformMock) -> None:
    two_pages(platform)
    assert [n.id for n in notes_for(platform).iterate(limit=2)] == [1, 2, 3]
    second = platform.requests("notes-list")[1]
    assert second.url.params["cursor"] == "abc"


async def test_async_iterate_follows_next_links(platform: PlatformMock) -> None:
    two_pages(platform)
    notes = AsyncNotes(connect(platform.base_url, personal_access_token("np_pat_x")))
    assert [n.id async for n in notes.iterate(limit=2)] == [1, 2, 3]


def test_browser_sign_in_with_pkce(platform: PlatformMock) -> None:
    platform.answer("auth-token", json={**TOKENS, "refresh_token": "r1"})
    seen: list[dict[str, list[str]]] = []

    def browser(url: str) -> None:
        """The person signs in and consents: the platform redirects to the app."""
        query = parse_qs(urlsplit(url).query)
        seen.append(query)
        back = {"code": "the-code", "state": query["state"][0]}
        with urllib.request.urlopen(f"{query['redirect_uri'][0]}?{urlencode(back)}", timeout=5):  # noqa: S310
            pass

    tokens = notes_platform.browser_sign_in(
        platform.base_url, "cli-app", port=0, open_browser=browser
    )
    assert tokens.token is not None
    assert tokens.token.refresh_token == "r1"
    assert seen[0]["code_challenge_method"] == ["S256"]
    exchange = parse_qs(platform.requests("auth-token")[0].content.decode())
    assert exchange["code"] == ["the-code"]
    assert exchange["redirect_uri"] == seen[0]["redirect_uri"]
    assert len(exchange["code_verifier"][0]) >= 43


def test_browser_sign_in_refuses_a_wrong_state(platform: PlatformMock) -> None:
    def browser(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        back = {"code": "the-code", "state": "forged"}
        with urllib.request.urlopen(f"{query['redirect_uri'][0]}?{urlencode(back)}", timeout=5):  # noqa: S310
            pass

    with pytest.raises(notes_platform.SignInFailed):
        notes_platform.browser_sign_in(platform.base_url, "cli-app", port=0, open_browser=browser)
    assert platform.calls("auth-token") == 0


def test_client_credentials_fetched_again_when_expired(platform: PlatformMock) -> None:
    platform.answer("auth-token", json={**TOKENS, "expires_in": 0}, once=True)
    platform.answer("auth-token", json=TOKENS)
    tokens = notes_platform.client_credentials("svc", "s3cret", scope="notes:read")
    notes = Notes(connect(platform.base_url, tokens))
    notes.read(7)
    notes.read(7)
    forms = [parse_qs(r.content.decode()) for r in platform.requests("auth-token")]
    assert len(forms) == 2
    assert forms[0] == forms[1]
    assert forms[0]["grant_type"] == ["client_credentials"]
    assert forms[0]["scope"] == ["notes:read"]


REVOKED = {"detail": "Token has been revoked"}


def test_a_token_refused_before_it_expires_is_fetched_again_once(platform: PlatformMock) -> None:
    # A held token the platform stops accepting (its session ended, its key
    # withdrawn): one new token, the request sent again with it.
    platform.answer("auth-token", json={**TOKENS, "refresh_token": "r1"}, once=True)
    platform.answer("auth-token", json={**TOKENS, "access_token": "a2", "refresh_token": "r2"})
    platform.answer("notes-read", json=NOTE, headers={"ETag": '"e1"'})
    notes = Notes(connect(platform.base_url, password("me@example.com", "secret")))
    notes.read(7)
    platform.answer("notes-read", status=401, json=REVOKED, once=True)
    assert notes.read(7).note.id == 7
    reads = platform.requests("notes-read")
    assert [r.headers["Authorization"] for r in reads] == ["Bearer a1", "Bearer a1", "Bearer a2"]
    forms = [parse_qs(r.content.decode()) for r in platform.requests("auth-token")]
    assert forms[1]["grant_type"] == ["refresh_token"]


async def test_async_a_refused_token_is_fetched_again_once(platform: PlatformMock) -> None:
    platform.answer("auth-token", json=TOKENS, once=True)
    platform.answer("auth-token", json={**TOKENS, "access_token": "a2"})
    tokens = notes_platform.client_credentials("svc", "s3cret")
    platform.answer("notes-read", json=NOTE, headers={"ETag": '"e1"'})
    notes = AsyncNotes(connect(platform.base_url, tokens))
    await notes.read(7)
    platform.answer("notes-read", status=401, json=REVOKED, once=True)
    assert (await notes.read(7)).note.id == 7
    reads = platform.requests("notes-read")
    assert [r.headers["Authorization"] for r in reads] == ["Bearer a1", "Bearer a1", "Bearer a2"]


def test_a_new_token_refused_too_is_the_typed_error(platform: PlatformMock) -> None:
    platform.answer("auth-token", json=TOKENS)
    notes = Notes(connect(platform.base_url, notes_platform.client_credentials("svc", "s3cret")))
    notes.read(7)
    platform.answer("notes-read", status=401, json=REVOKED)
    with pytest.raises(notes_platform.Unauthorized):
        notes.read(7)
    # The held token, then one new one: no loop.
    assert platform.calls("notes-read") == 3
    assert platform.calls("auth-token") == 2


def test_a_token_fetched_for_this_request_is_not_fetched_again(platform: PlatformMock) -> None:
    platform.answer("auth-token", json=TOKENS)
    platform.answer("notes-read", status=401, json=REVOKED)
    tokens = password("me@example.com", "secret")
    with pytest.raises(notes_platform.Unauthorized):
        Notes(connect(platform.base_url, tokens)).read(7)
    assert platform.calls("auth-token") == 1
    assert platform.calls("notes-read") == 1


def test_a_personal_access_token_refused_is_the_typed_error(platform: PlatformMock) -> None:
    platform.answer("notes-read", status=401, json=REVOKED)
    with pytest.raises(notes_platform.Unauthorized):
        notes_for(platform).read(7)
    assert platform.calls("notes-read") == 1
