"""Backup and restore (issue 31): `make backup` taken while clients write, restored
by `make restore` into a fresh database, serves every write acknowledged before
the backup began (deploy/backup.py, deploy/README.md "Backups").

The suite's platform takes the writes; the restored database gets a platform
of its own (other ports, other signing keys: the clients log in again there).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from api_client import ApiClient, bearer
from run_local import LocalSystem
from systems import empty_database, running_system

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 3
# Writes before the backup starts, and after it ends (it must have run under writes).
WRITING_SECONDS = 1.0


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    with empty_database(database_url, "e2e_restored") as url:
        yield url


@dataclass
class Writer:
    """One account creating notes until stopped: each acknowledged note and when."""

    base_url: str
    email: str
    password: str
    headers: dict[str, str]
    acknowledged: list[tuple[float, dict[str, object]]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10.0) as client:
            sequence = 0
            while not stop.is_set():
                sequence += 1
                body = {"title": f"note {sequence}", "description": self.email[:40]}
                try:
                    response = client.post("/notes/", json=body, headers=self.headers)
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                if response.status_code == 201:
                    self.acknowledged.append((time.monotonic(), response.json()))
                else:
                    self.failures.append(f"{response.status_code} {response.text}")


def make(action: str, database_url: str, backup_file: Path) -> float:
    """`make backup` / `make restore` as an operator runs them: their seconds."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "deploy/backup.py", action, "--file", str(backup_file)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return time.monotonic() - started


@pytest.fixture
def writers(system: LocalSystem, api: ApiClient) -> list[Writer]:
    base = system.url("gateway")
    team = []
    for _ in range(WRITERS):
        user = api.register()
        tokens = api.login(user["email"], user["password"])
        team.append(Writer(base, user["email"], user["password"], bearer(tokens)))
    return team


def test_a_backup_under_writes_restores_every_acknowledged_write(
    database_url: str, fresh_database: str, writers: list[Writer]
) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=each.run, args=(stop,)) for each in writers]
    for thread in threads:
        thread.start()
    try:
        time.sleep(WRITING_SECONDS)
        with tempfile.TemporaryDirectory(prefix="e2e-backup-") as folder:
            backup_file = Path(folder) / "platform.dump"
            began = time.monotonic()
            make("backup", database_url, backup_file)
            ended = time.monotonic()
            time.sleep(WRITING_SECONDS)
            stop.set()
            for thread in threads:
                thread.join()
            make("restore", fresh_database, backup_file)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert [each.failures for each in writers] == [[]] * WRITERS
    during = [at for each in writers for at, _ in each.acknowledged if began <= at < ended]
    assert during, "no write was acknowledged while the backup ran"
    before = {each.email: [n for at, n in each.acknowledged if at < began] for each in writers}
    assert all(before.values())

    with (
        tempfile.TemporaryDirectory(prefix="e2e-restored-") as data_dir,
        running_system(fresh_database, {"PLATFORM_DATA_DIR": data_dir}, quiet=True) as restored,
        ApiClient(restored.url("gateway")) as api,
    ):
        for each in writers:
            headers = bearer(api.login(each.email, each.password))
            for note in before[each.email]:
                response = api.http.get(f"/notes/{note['id']}", headers=headers)
                assert (response.status_code, response.json()) == (200, note)
