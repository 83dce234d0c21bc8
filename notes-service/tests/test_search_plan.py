"""The search statements, as Postgres plans them.

asyncpg prepares every statement, and after a few executions Postgres may run
it with a generic plan, made once without the parameters' values. A search
must run with a plan made for its values: the query parsed once per
execution (folded into a constant), not once per note, and its words' real
frequency weighed, not a guess.
"""

import uuid
from typing import Any

import asyncpg
import pytest

from notes_service import listing
from notes_service.cursors import Direction, Order
from notes_service.repository import Database, Executor, Statement

VALUES = {"owner_id": uuid.UUID(int=1), "q": "garden", "limit": 51, "offset": 0, "after_id": 10}
# A cursor's sort key, as each order has it.
KEYS = {"rank": 0.5, "-updated_date": "2026-11-30T00:00:00+00:00", "title": "a title"}


def _literal(value: object) -> str:
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


async def custom_plan(database_url: str, statement: Statement, key: object = None) -> str:
    """EXPLAIN VERBOSE of `statement`'s plan made for its values (as a search runs)."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET plan_cache_mode = force_custom_plan")
        await connection.execute(f"PREPARE searching AS {statement.sql}")
        arguments = ", ".join(_literal(value) for value in statement.args({**VALUES, "key": key}))
        rows = await connection.fetch(f"EXPLAIN (VERBOSE) EXECUTE searching({arguments})")
    finally:
        await connection.close()
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize("order", ["rank", "-updated_date", "title"])
@pytest.mark.parametrize("direction", [None, "next", "prev"])
async def test_a_search_page_parses_the_query_once(
    database_url: str, order: Order, direction: Direction | None
) -> None:
    plan = await custom_plan(
        database_url, listing._page_statement(order, True, direction), KEYS[order]
    )

    assert "'''garden'''::tsquery" in plan  # parsed when planned: a constant
    assert "websearch_to_tsquery" not in plan


async def test_the_count_of_a_search_parses_the_query_once(database_url: str) -> None:
    plan = await custom_plan(database_url, listing._count_statement(True))

    assert "'''garden'''::tsquery" in plan
    assert "websearch_to_tsquery" not in plan


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The plan of each statement an Executor runs, as Postgres would run it then."""
    seen: list[str] = []

    def explaining(name: str) -> None:
        run_it = getattr(Executor, name)

        async def explained(self: Executor, statement: Statement, **values: Any) -> Any:
            connection = self._connection
            rows = await connection.fetch("EXPLAIN " + statement.sql, *statement.args(values))
            seen.append("\n".join(row[0] for row in rows))
            return await run_it(self, statement, **values)

        monkeypatch.setattr(Executor, name, explained)

    explaining("fetch")
    explaining("fetchval")
    return seen


async def test_a_search_of_a_common_word_reads_the_owners_notes_not_the_word_index(
    database_url: str, plans: list[str]
) -> None:
    """Every note has the word: the owner's 100 notes, each checked, not the word's
    100,000 entries in the search index (every owner's) intersected with them, as a
    plan made without the word's value does."""
    connection = await asyncpg.connect(database_url)
    rolled_back = connection.transaction()
    await rolled_back.start()
    try:
        await connection.execute(
            "INSERT INTO notes.notes (owner_id, title, description) "
            "SELECT md5((g % 1000)::text)::uuid, 'garden ' || g, 'x' "
            "FROM generate_series(1, 100000) g"
        )
        # As autovacuum would have: the index's pending entries merged, statistics.
        await connection.execute("SELECT gin_clean_pending_list('notes.ix_notes_search_vector')")
        await connection.execute("ANALYZE notes.notes")
        # Generic plans from the first execution (Postgres' own choice after five).
        await connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        owner = await connection.fetchval("SELECT md5('7')::uuid")

        page = await listing.list_notes(
            Database(connection), listing.ListQuery(owner, limit=10, q="garden")
        )

        assert (page.total, len(page.notes)) == (100, 10)
        assert len(plans) == 2  # the page and the count
        assert [plan for plan in plans if "ix_notes_search_vector" in plan] == []
    finally:
        await rolled_back.rollback()
        await connection.close()
