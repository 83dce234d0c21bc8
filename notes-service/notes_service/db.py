from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import Request
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from platform_common.database import NAMING_CONVENTION

SCHEMA = "notes"


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def get_session_factory(request: Request) -> SessionFactory:
    """For a route that needs a session on some requests only (a keyed POST):
    the others then pay for none."""
    factory: SessionFactory = request.app.state.sessionmaker
    return factory
