"""Starting a whole system or one more gateway, and waiting on it: one way for every e2e file."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from run_local import LocalSystem, free_port, free_ports

HERE = Path(__file__).resolve().parent


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


def restart(system: LocalSystem, name: str, env: dict[str, str]) -> None:
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
