"""`connect()`: the generated client, wired with what generators miss.

It returns the generated `AuthenticatedClient` (call any operation of
`notes_platform.api`, sync or async) whose httpx clients carry:

- the token (`notes_platform.tokens`), fetched and refreshed as needed;
- retries on 429 and 503 for idempotent requests and keyed creates
  (`notes_platform.retries`);
- typed errors: every answer of 400 or more, once the retries are spent,
  raises `notes_platform.errors.ApiError` (a subclass per status).

`Notes` and `AsyncNotes` add the protocol details of the notes API: an
`Idempotency-Key` made for each create (its retries reuse it, so a lost
answer never creates twice), `If-Match` from the ETag a note was read with
(`PreconditionFailed` on 412), and iteration over every page by following
`Link: rel="next"`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from notes_platform._generated.api.notes import (
    notes_create,
    notes_delete,
    notes_patch,
    notes_read,
)
from notes_platform._generated.client import AuthenticatedClient
from notes_platform._generated.models import NotePatch, NoteRead, NoteWrite
from notes_platform._generated.types import UNSET, Response
from notes_platform.errors import araise_for_status, raise_for_status
from notes_platform.retries import PlatformRetry, PlatformRetryTransport

NOTES_PATH = "/notes"
DEFAULT_TIMEOUT = httpx.Timeout(10.0)


def connect(
    base_url: str,
    auth: httpx.Auth | None = None,
    *,
    retry: PlatformRetry | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> AuthenticatedClient:
    """The generated client for the platform at `base_url` (the gateway)."""
    transport = PlatformRetryTransport(retry or PlatformRetry())
    # Its own token is never used: the httpx clients set below carry `auth`.
    client = AuthenticatedClient(
        base_url=base_url,
        token="",  # nosec B106
        raise_on_unexpected_status=True,
    )
    # One transport for both: its retry policy, and the connections of each kind.
    shared: dict[str, Any] = {
        "base_url": base_url,
        "auth": auth,
        "transport": transport,
        "timeout": timeout,
    }
    client.set_httpx_client(httpx.Client(**shared, event_hooks={"response": [raise_for_status]}))
    client.set_async_httpx_client(
        httpx.AsyncClient(**shared, event_hooks={"response": [araise_for_status]})
    )
    return client


@dataclass(frozen=True)
class Tagged:
    """A note and the ETag it was read with: the `If-Match` of its next write."""

    note: NoteRead
    etag: str


def _tagged(response: Response[Any]) -> Tagged:
    assert isinstance(response.parsed, NoteRead)
    return Tagged(response.parsed, response.headers["ETag"])


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def _page(response: httpx.Response) -> tuple[list[NoteRead], httpx.URL | None]:
    """The page's notes, and the URL of the next page (relative to this one's)."""
    following = response.links.get("next", {}).get("url")
    after = response.request.url.join(following) if following else None
    return [NoteRead.from_dict(item) for item in response.json()], after


def _patch(title: str | None, description: str | None) -> NotePatch:
    """A merge patch of the fields given."""
    return NotePatch(
        title=UNSET if title is None else title,
        description=UNSET if description is None else description,
    )


def _first_page(limit: int, q: str | None, sort: str | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {"limit": limit}
    if q is not None:
        params["q"] = q
    if sort is not None:
        params["sort"] = sort
    return params


class Notes:
    """The notes API, synchronously."""

    def __init__(self, client: AuthenticatedClient) -> None:
        self.client = client

    def create(self, title: str, description: str, *, idempotency_key: str | None = None) -> Tagged:
        key = idempotency_key or new_idempotency_key()
        body = NoteWrite(title=title, description=description)
        return _tagged(
            notes_create.sync_detailed(client=self.client, body=body, idempotency_key=key)
        )

    def read(self, note_id: int) -> Tagged:
        return _tagged(notes_read.sync_detailed(note_id, client=self.client))

    def patch(
        self, tagged: Tagged, *, title: str | None = None, description: str | None = None
    ) -> Tagged:
        """Change the fields given, only if the note is still as `tagged` was read."""
        body = _patch(title, description)
        return _tagged(
            notes_patch.sync_detailed(
                tagged.note.id, client=self.client, body=body, if_match=tagged.etag
            )
        )

    def delete(self, tagged: Tagged) -> None:
        notes_delete.sync_detailed(tagged.note.id, client=self.client, if_match=tagged.etag)

    def iterate(
        self, *, limit: int = 50, q: str | None = None, sort: str | None = None
    ) -> Iterator[NoteRead]:
        """Every note of the caller, page after page (`Link: rel="next"`)."""
        http = self.client.get_httpx_client()
        items, following = _page(http.get(NOTES_PATH, params=_first_page(limit, q, sort)))
        yield from items
        while following is not None:
            items, following = _page(http.get(following))
            yield from items


class AsyncNotes:
    """The notes API, with asyncio."""

    def __init__(self, client: AuthenticatedClient) -> None:
        self.client = client

    async def create(
        self, title: str, description: str, *, idempotency_key: str | None = None
    ) -> Tagged:
        key = idempotency_key or new_idempotency_key()
        body = NoteWrite(title=title, description=description)
        return _tagged(
            await notes_create.asyncio_detailed(client=self.client, body=body, idempotency_key=key)
        )

    async def read(self, note_id: int) -> Tagged:
        return _tagged(await notes_read.asyncio_detailed(note_id, client=self.client))

    async def patch(
        self, tagged: Tagged, *, title: str | None = None, description: str | None = None
    ) -> Tagged:
        body = _patch(title, description)
        return _tagged(
            await notes_patch.asyncio_detailed(
                tagged.note.id, client=self.client, body=body, if_match=tagged.etag
            )
        )

    async def delete(self, tagged: Tagged) -> None:
        await notes_delete.asyncio_detailed(
            tagged.note.id, client=self.client, if_match=tagged.etag
        )

    async def iterate(
        self, *, limit: int = 50, q: str | None = None, sort: str | None = None
    ) -> AsyncIterator[NoteRead]:
        http = self.client.get_async_httpx_client()
        items, following = _page(await http.get(NOTES_PATH, params=_first_page(limit, q, sort)))
        for item in items:
            yield item
        while following is not None:
            items, following = _page(await http.get(following))
            for item in items:
                yield item
