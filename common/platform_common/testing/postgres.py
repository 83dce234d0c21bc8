"""A fresh, migrated Postgres database for one test session.

`TEST_DATABASE_URL` names an existing server; otherwise the embedded one starts.
Each session gets a database of its own, dropped at the end, so suites may run
side by side against one server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from platform_common.embedded_postgres import start_embedded_postgres


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(_plain(url))
    return urlunsplit(parts._replace(path=f"/{name}"))


def server_url() -> str:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return _plain(explicit)
    return str(start_embedded_postgres().get_uri())


@asynccontextmanager
async def temporary_database(prefix: str) -> AsyncIterator[str]:
    """Yield the `postgresql://` URL of a new empty database."""
    admin_url = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(admin_url, name)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
