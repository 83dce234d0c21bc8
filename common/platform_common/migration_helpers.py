"""Column, key and index shapes that the services' Alembic migrations repeat.

Each helper writes exactly the DDL its spelled-out form wrote, so a database
migrated before they existed has the same schema (the services' migration
tests compare the result with the models).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def timestamp(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column[Any]:
    """A `timestamptz` column; with `now`, the database fills in the insert time."""
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.text("now()") if now else None,
        nullable=nullable,
    )


def cascading_reference(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """`table.column` refers to `target` ("schema.table.column"); its rows go with the target's."""
    target_table = target.split(".")[-2]
    return sa.ForeignKeyConstraint(
        [column],
        [target],
        name=op.f(f"fk_{table}_{column}_{target_table}"),
        ondelete="CASCADE",
    )


def _index_name(schema: str, table: str, column: str) -> Any:
    # The naming convention's name, marked as final (op.f) as autogenerate writes it.
    return op.f(f"ix_{schema}_{table}_{column}")


def create_column_index(schema: str, table: str, column: str) -> None:
    """The index that `mapped_column(index=True)` declares on one column."""
    op.create_index(_index_name(schema, table, column), table, [column], schema=schema)


def drop_column_index(schema: str, table: str, column: str) -> None:
    op.drop_index(_index_name(schema, table, column), table_name=table, schema=schema)
