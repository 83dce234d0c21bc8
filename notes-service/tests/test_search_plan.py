"""The search statements, as Postgres runs them once they are prepared.

asyncpg prepares every statement, and after a few executions Postgres may run
it with a generic plan, made once without the parameters' values. The search
query must then still be parsed once per execution, not once per note.
"""

import uuid

import asyncpg
import pytest

from notes_service import listing
from notes_service.cursors import Direction, Order
from notes_service.repository import Statement

VALUES = {"owner_id": uuid.UUID(int=1), "q": "garden", "limit": 51, "offset": 0, "after_id": 10}
# A cursor's sort key, as each order has it.
KEYS = {"rank": 0.5, "-updated_date": "2026-11-30T00:00:00+00:00", "title": "a title"}


def _literal(value: object) -> str:
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


async def generic_plan(database_url: str, statement: Statement, key: object = None) -> str:
    """EXPLAIN VERBOSE of `statement`'s generic plan."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE searching AS {statement.sql}")
        arguments = ", ".join(_literal(value) for value in statement.args({**VALUES, "key": key}))
        rows = await connection.fetch(f"EXPLAIN (VERBOSE) EXECUTE searching({arguments})")
    finally:
        await connection.close()
    return "\n".join(row[0] for row in rows)


def per_row_parses(plan: str) -> list[str]:
    """Plan lines that parse the query outside a once-per-execution InitPlan's Result."""
    lines = plan.splitlines()
    return [
        line
        for index, line in enumerate(lines)
        if "websearch_to_tsquery" in line
        and not (line.strip().startswith("Output:") and "Result" in lines[index - 1])
    ]


@pytest.mark.parametrize("order", ["rank", "-updated_date", "title"])
@pytest.mark.parametrize("direction", [None, "next", "prev"])
async def test_a_search_page_parses_the_query_once(
    database_url: str, order: Order, direction: Direction | None
) -> None:
    plan = await generic_plan(
        database_url, listing._page_statement(order, True, direction), KEYS[order]
    )

    assert "websearch_to_tsquery" in plan  # the plan shows its expressions
    assert per_row_parses(plan) == []


async def test_the_count_of_a_search_parses_the_query_once(database_url: str) -> None:
    plan = await generic_plan(database_url, listing._count_statement(True))

    assert "websearch_to_tsquery" in plan
    assert per_row_parses(plan) == []
