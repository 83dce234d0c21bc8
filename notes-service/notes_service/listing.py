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
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    REAL,
    BindParameter,
    ColumnElement,
    bindparam,
    cast,
    func,
    null,
    select,
    text,
    tuple_,
)

from notes_service.cursors import Cursor, Direction, KeyValue, Order, search_digest
from notes_service.models import SEARCH_CONFIG, Note
from notes_service.repository import NOTE_COLUMNS, Database, Executor, Row, Statement


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
    notes: Sequence[Row]  # NOTE_COLUMNS
    total: int | None  # only for offset pages
    next: Cursor | None
    prev: Cursor | None


# Statements take every value as a parameter, so there is one statement per
# shape of query (order, searching or not, cursor direction): compiled once
# each (repository.Statement), a few dozen at most, and run by the repository.
_owner = bindparam("owner_id", type_=Note.owner_id.type)
_q = bindparam("q", type_=Note.title.type)


def _sort_key(order: Order) -> ColumnElement[KeyValue] | None:
    name = order.lstrip("-")
    if name == "id":
        return None
    if name == "rank":
        rank: ColumnElement[KeyValue] = func.ts_rank(Note.search_vector, _tsquery())
        return rank
    column: ColumnElement[KeyValue] = getattr(Note, name)
    return column


def _tsquery() -> ColumnElement[object]:
    # websearch syntax takes any text ("quoted phrase", or, -not) without a
    # syntax error to answer: no input makes it fail. A search runs with a
    # plan made for its values (`_CUSTOM_PLAN`), where this is folded into a
    # constant: parsed once, and the planner knows how common its words are.
    return func.websearch_to_tsquery(SEARCH_CONFIG, _q)


# For the search's own transaction. asyncpg prepares every statement, and
# Postgres soon runs a prepared one with a generic plan, made without the
# parameters' values: for a search that plan guessed every word rare and read
# its entries in the search index, every owner's (190,000 for a word of the
# bench's 1,000,000 notes: 13-23 ms a statement), then kept the owner's ~100
# notes among them. Knowing the word, the planner reads the owner's notes and
# checks each (0.2-0.6 ms), and still takes the index for a rare word
# (bench/README.md, "The search tail"). Planning each search costs ~0.1 ms.
_CUSTOM_PLAN = Statement(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _descending(order: Order) -> bool:
    return order.startswith("-") or order == "rank"


def _filters(searching: bool) -> list[ColumnElement[bool]]:
    filters = [Note.owner_id == _owner]
    if searching:
        filters.append(Note.search_vector.bool_op("@@")(_tsquery()))
    return filters


@lru_cache(maxsize=128)
def _page_statement(order: Order, searching: bool, direction: Direction | None) -> Statement:
    key = _sort_key(order)
    key_column = key if key is not None else null()
    statement = select(*NOTE_COLUMNS, key_column.label("sort_key")).where(*_filters(searching))
    # Going back from a cursor reads the list in reverse, then turns the page round.
    descending = _descending(order) != (direction == "prev")
    columns = [Note.id] if key is None else [key, Note.id]
    statement = statement.order_by(*(c.desc() if descending else c.asc() for c in columns))
    if direction is not None:
        statement = statement.where(_after(order, key, descending=descending))
    else:
        statement = statement.offset(bindparam("offset"))
    return Statement(statement.limit(bindparam("limit")))


def _after(
    order: Order, key: ColumnElement[KeyValue] | None, *, descending: bool
) -> ColumnElement[bool]:
    after_id = bindparam("after_id", type_=Note.id.type)
    if key is None:
        return Note.id < after_id if descending else Note.id > after_id
    value: BindParameter[Any] | ColumnElement[Any]
    if order == "rank":
        # ts_rank is a real: compare with the same precision it was read at.
        value = cast(bindparam("key", type_=REAL), REAL)
    else:
        value = bindparam("key", type_=key.type)
    row, bound = tuple_(key, Note.id), tuple_(value, after_id)
    return row < bound if descending else row > bound


@lru_cache(maxsize=2)
def _count_statement(searching: bool) -> Statement:
    return Statement(select(func.count()).select_from(Note).where(*_filters(searching)))


@asynccontextmanager
async def _executor(db: Database, searching: bool) -> AsyncIterator[Executor]:
    if not searching:
        async with db.executor() as run:
            yield run
        return
    async with db.transaction() as run:
        await run.execute(_CUSTOM_PLAN)
        yield run


async def list_notes(db: Database, query: ListQuery) -> Page:
    direction = None if query.cursor is None else query.cursor.direction
    statement = _page_statement(query.order, query.q is not None, direction)
    values = {
        "owner_id": query.owner_id,
        "q": query.q,
        "limit": query.limit + 1,
        "offset": query.offset,
        "key": None if query.cursor is None else query.cursor.key,
        "after_id": None if query.cursor is None else query.cursor.note_id,
    }
    total = None
    async with _executor(db, query.q is not None) as run:
        rows = await run.fetch(statement, **values)
        if query.cursor is None:
            total = int(await run.fetchval(_count_statement(query.q is not None), **values))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    backwards = direction == "prev"
    if backwards:
        rows.reverse()
    digest = search_digest(query.q)

    def cursor_at(index: int, direction: str) -> Cursor:
        row = rows[index]
        return Cursor(query.order, digest, row["sort_key"], row["id"], direction)  # type: ignore[arg-type]

    has_next = (more and not backwards) or (backwards and bool(rows))
    has_prev = (query.cursor is not None and not backwards and bool(rows)) or (backwards and more)
    return Page(
        notes=rows,
        total=total,
        next=cursor_at(-1, "next") if has_next else None,
        prev=cursor_at(0, "prev") if has_prev else None,
    )
