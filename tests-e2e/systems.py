"""Starting a whole system or one more gateway, and waiting on it: one way for every e2e file."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from run_local import LocalSystem, free_port, free_ports


def _admin(server_url: str, statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@contextmanager
def empty_database(server_url: str, prefix: str) -> Iterator[str]:
    """A database of its own on `server_url`'s server (a system of its own), dropped after."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_system(
    database_url: str,
    extra_env: Mapping[str, str],
    *,
    ports: dict[str, int] | None = None,
    quiet: bool = False,
) -> Iterator[LocalSystem]:
    """Migrate, start every service, and stop them all on the way out."""
    system = LocalSystem(
        database_url=database_url,
        ports=free_ports() if ports is None else ports,
        extra_env=dict(extra_env),
        quiet=quiet,
    )
    system.migrate()
    try:
        system.start_all()
        yield system
    finally:
        system.stop_all()


@contextmanager
def extra_gateway(system: LocalSystem, **env: str) -> Iterator[str]:
    """One more gateway in front of `system`'s services, with `env` on top of its settings.

    Quiet: the files that want one send it thousands of requests, whose log
    lines would drown the suite's output. Yields its base URL.
    """
    gateway = LocalSystem(
        database_url=system.database_url,
        ports={**system.ports, "gateway": free_port()},
        # The system's public URL, not this gateway's: it names the issuer of
        # the tokens this gateway checks (deploy/run_local.py).
        extra_env={"AUTH_PUBLIC_URL": system.public_url, **system.extra_env, **env},
        quiet=True,
    )
    gateway.start("gateway")
    try:
        gateway.wait_ready("gateway")
        yield f"http://127.0.0.1:{gateway.ports['gateway']}"
    finally:
        gateway.stop_all()


def eventually(check: Callable[[], bool], within: float) -> float:
    """Seconds until `check()` holds; fails after `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if check():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"condition not met within {within}s")
