"""Column, key and index shapes that the services' Alembic migrations repeat,
and the forms docs/migrations.md asks for (indexes built concurrently).

Each helper writes exactly the DDL its spelled-out form wrote, so a database
migrated before they existed has the same schema (the services' migration
tests compare the result with the models).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# `text[]`: scopes, grant types, redirect URIs, authentication methods.
TEXT_LIST = postgresql.ARRAY(sa.Text())


def timestamp(
    name: str, *, nullable: bool = False, now: bool = False, default: str | None = None
) -> sa.Column[Any]:
    """A `timestamptz` column; with `now`, the database fills in the insert time
    (the transaction's); `default` is any other SQL expression for it."""
    if now:
        default = "now()"
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=None if default is None else sa.text(default),
        nullable=nullable,
    )


def add_defaulted_column(
    table: str,
    name: str,
    type_: sa.types.TypeEngine[Any],
    default: Any,
    *,
    schema: str,
    if_not_exists: bool = False,
) -> None:
    """A NOT NULL column with a constant default (an SQL expression, or a
    construct such as `sa.false()`): a change of the catalog alone, whatever
    the table's size (docs/migrations.md)."""
    if isinstance(default, str):
        default = sa.text(default)
    op.add_column(
        table,
        sa.Column(name, type_, server_default=default, nullable=False),
        schema=schema,
        if_not_exists=if_not_exists,
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


def create_table(
    table: str,
    *elements: sa.schema.SchemaItem,
    schema: str,
    key: Sequence[str] = ("id",),
    unique: Sequence[str] = (),
    if_not_exists: bool | None = None,
) -> None:
    """op.create_table of `elements` (columns, references), keyed by the
    columns of `key`, each of `unique` unique on its own: the constraints named
    as the naming convention names them (`pk_<table>`, `uq_<table>_<column>`)."""
    op.create_table(
        table,
        *elements,
        sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{table}")),
        *(sa.UniqueConstraint(column, name=op.f(f"uq_{table}_{column}")) for column in unique),
        schema=schema,
        if_not_exists=if_not_exists,
    )


def _index_name(schema: str, table: str, column: str) -> Any:
    # The naming convention's name, marked as final (op.f) as autogenerate writes it.
    return op.f(f"ix_{schema}_{table}_{column}")


def create_column_index(
    schema: str, table: str, column: str, *, if_not_exists: bool = False
) -> None:
    """The index that `mapped_column(index=True)` declares on one column; built
    plainly, so only for a table that is small or was created just before."""
    op.create_index(
        _index_name(schema, table, column),
        table,
        [column],
        schema=schema,
        if_not_exists=if_not_exists,
    )


def drop_column_index(schema: str, table: str, column: str) -> None:
    op.drop_index(_index_name(schema, table, column), table_name=table, schema=schema)


def create_revocation_table(schema: str, table: str, key: sa.Column[Any], since: str) -> None:
    """A revocation list: one row a revoked `key` (its primary key) with the
    time it holds from (`since`), indexed by that time for the list's reads."""
    create_table(table, key, timestamp(since), schema=schema, key=[key.name])
    create_column_index(schema, table, since)


def drop_revocation_table(schema: str, table: str, since: str) -> None:
    drop_column_index(schema, table, since)
    op.drop_table(table, schema=schema)


def create_index_concurrently(
    name: str,
    table: str,
    columns: Sequence[str],
    *,
    schema: str,
    where: str | None = None,
    unique: bool = False,
) -> None:
    """An index built while the table stays writable: the form for any table
    that can be large (docs/migrations.md).

    CREATE INDEX CONCURRENTLY cannot run in a transaction: it runs in an
    autocommit block, which commits the migration's steps before it first. A
    build that fails (a lock_timeout, a duplicate for a unique index) leaves an
    INVALID index behind, so any index of that name is dropped first: the
    migration can simply be run again.
    """
    with op.get_context().autocommit_block():
        op.drop_index(
            name, table_name=table, schema=schema, if_exists=True, postgresql_concurrently=True
        )
        op.create_index(
            name,
            table,
            list(columns),
            unique=unique,
            schema=schema,
            postgresql_concurrently=True,
            postgresql_where=None if where is None else sa.text(where),
            if_not_exists=True,  # after the drop, only for the linter (prefer-robust-stmts)
        )


def drop_index_concurrently(name: str, table: str, *, schema: str) -> None:
    """DROP INDEX CONCURRENTLY (the table stays writable), in an autocommit block."""
    with op.get_context().autocommit_block():
        op.drop_index(
            name, table_name=table, schema=schema, if_exists=True, postgresql_concurrently=True
        )
