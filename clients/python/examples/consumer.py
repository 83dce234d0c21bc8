"""A consumer's script, type-checked with `mypy --strict` in `make typecheck`:
the client's types must carry through to code like this."""

from __future__ import annotations

import asyncio
import os

from notes_platform import (
    AsyncNotes,
    Notes,
    PreconditionFailed,
    connect,
    password,
    personal_access_token,
)
from notes_platform._generated.api.auth import me_read
from notes_platform._generated.models import NoteRead, UserRead


def tidy_titles(base_url: str, token: str) -> int:
    """Capitalise every note's title; a note changed meanwhile is left alone."""
    notes = Notes(connect(base_url, personal_access_token(token)))
    changed = 0
    for note in notes.iterate(limit=100):
        if note.title[:1].islower():
            try:
                notes.patch(notes.read(note.id), title=note.title.capitalize())
            except PreconditionFailed:
                continue
            changed += 1
    return changed


def who_am_i(base_url: str, email: str, secret: str) -> str:
    client = connect(base_url, password(email, secret, client_id="notes-cli"))
    me = me_read.sync(client=client)
    assert isinstance(me, UserRead)
    return me.email


async def titles(base_url: str, token: str) -> list[str]:
    notes = AsyncNotes(connect(base_url, personal_access_token(token)))
    first: list[NoteRead] = [note async for note in notes.iterate(q="groceries")]
    return [note.title for note in first]


if __name__ == "__main__":
    url, pat = os.environ["NOTES_URL"], os.environ["NOTES_TOKEN"]
    print(tidy_titles(url, pat), asyncio.run(titles(url, pat)))  # noqa: T201
