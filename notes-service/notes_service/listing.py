"""Listing a user's notes: filter (`q`), order (`sort`), offset or keyset pages.

One statement per page, plus one count when the page is addressed by offset
(X-Total-Count). A keyset page is `WHERE (key, id) > (:key, :id) ORDER BY key,
id LIMIT n+1` on an index that starts with owner_id, so it costs the same
wherever it is in the list, and rows created or deleted elsewhere in the list
never shift it: following `next` visits every note that existed throughout
exactly once. The extra row says whether there is a next page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import REAL, ColumnElement, Select, cast, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from notes_service.cursors import Cursor, KeyValue, Order, search_digest
from notes_service.models import SEARCH_CONFIG, Note


@dataclass(frozen=True, slots=True)
class ListQuery:
    owner_id: uuid.UUID
    limit: int
    offset: int = 0
    q: str | None = None
    order: Order = "id"
    cursor: Cursor | None = None


@dataclass(frozen=True, slots=True)
class Page:
    notes: Sequence[Note]
    total: int | None  # only for offset pages
    next: Cursor | None
    prev: Cursor | None


def _sort_key(query: ListQuery) -> ColumnElement[KeyValue] | None:
    name = query.order.lstrip("-")
    if name == "id":
        return None
    if name == "rank":
        rank: ColumnElement[KeyValue] = func.ts_rank(Note.search_vector, _tsquery(query.q or ""))
        return rank
    column: ColumnElement[KeyValue] = getattr(Note, name)
    return column


def _tsquery(q: str) -> ColumnElement[object]:
    # websearch syntax takes any text ("quoted phrase", or, -not) without a
    # syntax error to answer: no input makes it fail.
    return func.websearch_to_tsquery(SEARCH_CONFIG, q)


def _descending(query: ListQuery) -> bool:
    return query.order.startswith("-") or query.order == "rank"


def _statement(query: ListQuery) -> Select[Note, KeyValue]:
    key = _sort_key(query)
    key_column = key if key is not None else literal(None)
    statement = select(Note, key_column).where(Note.owner_id == query.owner_id)
    if query.q is not None:
        statement = statement.where(Note.search_vector.bool_op("@@")(_tsquery(query.q)))
    # Going back from a cursor reads the list in reverse, then turns the page round.
    backwards = query.cursor is not None and query.cursor.direction == "prev"
    descending = _descending(query) != backwards
    columns = [Note.id] if key is None else [key, Note.id]
    statement = statement.order_by(*(c.desc() if descending else c.asc() for c in columns))
    if query.cursor is not None:
        statement = statement.where(_after(query.cursor, key, descending=descending))
    return statement


def _after(
    cursor: Cursor, key: ColumnElement[KeyValue] | None, *, descending: bool
) -> ColumnElement[bool]:
    if key is None:
        return Note.id < cursor.note_id if descending else Note.id > cursor.note_id
    value: ColumnElement[KeyValue] | KeyValue = cursor.key
    if isinstance(cursor.key, float):
        # ts_rank is a real: compare with the same precision it was read at.
        value = cast(literal(cursor.key), REAL)
    row, bound = tuple_(key, Note.id), tuple_(value, cursor.note_id)
    return row < bound if descending else row > bound


async def list_notes(session: AsyncSession, query: ListQuery) -> Page:
    statement = _statement(query).limit(query.limit + 1)
    if query.cursor is None:
        statement = statement.offset(query.offset)
    rows: list[tuple[Note, KeyValue]] = [
        (row[0], row[1]) for row in await session.execute(statement)
    ]
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    backwards = query.cursor is not None and query.cursor.direction == "prev"
    if backwards:
        rows.reverse()
    notes = [row[0] for row in rows]
    digest = search_digest(query.q)

    def cursor_at(index: int, direction: str) -> Cursor:
        note, key = rows[index]
        return Cursor(query.order, digest, key, note.id, direction)  # type: ignore[arg-type]

    has_next = (more and not backwards) or (backwards and bool(rows))
    has_prev = (query.cursor is not None and not backwards and bool(rows)) or (backwards and more)
    total = None
    if query.cursor is None:
        total = await _count(session, query)
    return Page(
        notes=notes,
        total=total,
        next=cursor_at(-1, "next") if has_next else None,
        prev=cursor_at(0, "prev") if has_prev else None,
    )


async def _count(session: AsyncSession, query: ListQuery) -> int:
    statement = select(func.count()).select_from(Note).where(Note.owner_id == query.owner_id)
    if query.q is not None:
        statement = statement.where(Note.search_vector.bool_op("@@")(_tsquery(query.q)))
    return await session.scalar(statement) or 0
