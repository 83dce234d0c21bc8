"""Starting a whole system or one more gateway, and waiting on it: one way for every e2e file."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from run_local import LocalSystem, free_port, free_ports

HERE = Path(__file__).resolve().parent


def _admin(server_url: str, statement: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def fetch_value(database_url: str, query: str, *args: object) -> Any:
    """The first column of the query's first row, read directly from the database."""

    async def fetch() -> Any:
        connection = await asyncpg.connect(database_url)
        try:
            return await connection.fetchval(query, *args)
        finally:
            await connection.close()

    return asyncio.run(fetch())


# An account's rows, counted directly in the database ($1: the account's id).
NOTES_OF = "SELECT count(*) FROM notes.notes WHERE owner_id = $1"
ENDPOINTS_OF = "SELECT count(*) FROM webhooks.endpoints WHERE owner_id = $1"


def rows_of(database_url: str, count_query: str, owner: str) -> int:
    """The count `count_query` (NOTES_OF, ENDPOINTS_OF) makes of the account `owner`'s rows."""
    return int(fetch_value(database_url, count_query, uuid.UUID(owner)))


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
        yield gateway.url("gateway")
    finally:
        gateway.stop_all()


JWKS_MAX_AGE = 3.0  # GATEWAY_/NOTES_JWKS_MAX_AGE_SECONDS of scale_out_settings
REVOCATION_POLL = 1.0  # GATEWAY_/NOTES_REVOCATIONS_POLL_INTERVAL_SECONDS of scale_out_settings


def write_key(directory: Path, kid: str) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (directory / f"{kid}.pem").write_bytes(pem)
    return key


def signing_keys(data_dir: Path) -> Path:
    """`data_dir`/keys with one signing key, `key-1` (AUTH_ACTIVE_KEY_ID of scale_out_settings)."""
    keys = data_dir / "keys"
    keys.mkdir()
    write_key(keys, "key-1")
    return keys


def scale_out_settings(data_dir: str, keys: Path) -> dict[str, str]:
    """Settings of a system of several replicas under scale_load's clients."""
    return {
        "PLATFORM_DATA_DIR": data_dir,
        "AUTH_SIGNING_KEYS_DIR": str(keys),
        "AUTH_ACTIVE_KEY_ID": "key-1",
        "GATEWAY_JWKS_MAX_AGE_SECONDS": str(JWKS_MAX_AGE),
        "NOTES_JWKS_MAX_AGE_SECONDS": str(JWKS_MAX_AGE),
        "GATEWAY_JWKS_REFETCH_FLOOR_SECONDS": "0.5",
        "NOTES_JWKS_REFETCH_FLOOR_SECONDS": "0.5",
        "GATEWAY_REVOCATIONS_POLL_INTERVAL_SECONDS": str(REVOCATION_POLL),
        "NOTES_REVOCATIONS_POLL_INTERVAL_SECONDS": str(REVOCATION_POLL),
        "GATEWAY_CIRCUIT_RESET_SECONDS": "1",
        # Per-consumer quotas are not under test here (and with two
        # gateways and no Redis each counts alone).
        "GATEWAY_RATE_LIMIT": "1000000/minute",
        "AUTH_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
        # Every client is 127.0.0.1: only the per-(account, address)
        # limit (5, the default) is under test.
        "AUTH_LOGIN_LIMIT_PER_ADDRESS": "1000000",
        # Cheaper hashes: 16 clients log in again during the key rotation.
        "AUTH_ARGON2_MEMORY_COST_KIB": "1024",
    }


def url(system: Any, name: str) -> str:
    """Where `name` answers in any release's system: the previous release's
    LocalSystem (test_upgrade) has no `url()`."""
    return f"http://127.0.0.1:{system.ports[name]}"


def wait_ready(base: str, name: str, timeout: float = 60.0) -> None:
    """`base`/health/ready answers 200 (its dependencies answer), else the test fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{name} not ready within {timeout}s")


def restart(system: LocalSystem, name: str) -> None:
    """SIGTERM (drain, graceful shutdown), start again, wait until ready."""
    system.stop(name)
    system.start(name)
    wait_ready(system.url(name), name)


# How long a revoked token may still be accepted (the services' poll
# interval, one fetch, the request) with room to spare.
REVOCATION_BOUND_SECONDS = 10


def eventually(check: Callable[[], bool], within: float) -> float:
    """Seconds until `check()` holds; fails after `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if check():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"condition not met within {within}s")


def restart_with(system: LocalSystem, name: str, env: dict[str, str]) -> None:
    """Restart one service of `system` with `env` as the system's extra settings."""
    system.extra_env = env
    system.stop(name)
    system.start(name)
    system.wait_ready(name)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/health/live", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def small_app(module: str) -> Iterator[str]:
    """`uvicorn <module>:app` (a file of this folder) on a port of its own; its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"{module}:app", "--no-access-log"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=HERE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _answers(url), within=30)
        yield url
    finally:
        process.terminate()
        process.wait(10)
