from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute

from platform_common.database import NAMING_CONVENTION

SCHEMA = "auth"


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)


Row = TypeVar("Row", bound=Base)


async def page_and_total(
    session: AsyncSession,
    model: type[Row],
    *,
    order: Sequence[ColumnElement[Any] | QueryableAttribute[Any]],
    where: Sequence[ColumnElement[bool]] = (),
    offset: int,
    limit: int,
) -> tuple[Sequence[Row], int]:
    """One page of the `model` rows matching `where` in `order`, and how many match in all."""
    page = await session.scalars(
        select(model).where(*where).order_by(*order).offset(offset).limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    return page.all(), total or 0


async def younger_than(
    session: AsyncSession, model: type[Row], column: QueryableAttribute[datetime], window: timedelta
) -> Sequence[Row]:
    """The `model` rows whose `column` lies within `window` of now, oldest first
    (the revocation list's entries: older ones concern only expired tokens)."""
    rows = await session.scalars(select(model).where(column > func.now() - window).order_by(column))
    return rows.all()
