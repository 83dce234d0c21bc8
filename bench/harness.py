"""What every phase measures with: the running system, the references, the meter, and
the bench's accounts. A phase is a module of bench/phases/ taking a Harness."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from run_local import LocalSystem

from accounts import register, user_id_of
from meter import Meter
from references import References
from settings import Profile


@dataclass
class Harness:
    """A running bench, as each phase gets it."""

    system: LocalSystem
    refs: References
    meter: Meter
    folder: Path  # wrk's scripts
    email: str  # the bench user's: its notes are read, it logs in
    owner: uuid.UUID  # the bench user's id
    auth: dict[str, str]  # the bench user's token
    json_auth: dict[str, str]  # another account's token: writes go there

    @property
    def profile(self) -> Profile:
        return self.meter.profile

    @property
    def database_url(self) -> str:
        return self.meter.database_url

    @property
    def gateway(self) -> str:
        return self.system.url("gateway")

    @property
    def notes(self) -> str:
        return self.system.url("notes-service")

    @property
    def read_script(self) -> Path:
        """`GET /notes/{id}` over the bench user's notes, written by phases.endpoints."""
        return self.folder / "one.lua"


def measured_processes(system: LocalSystem, refs: References) -> dict[str, int]:
    """The processes the meter reads, by name (their children count too)."""
    pids = {name: process.pid for name, process in system.processes.items()}
    for name, process in (
        ("minimal", refs.minimal),
        ("nginx", refs.nginx),
        ("bare-proxy", refs.bare_proxy),
    ):
        if process is not None:
            pids[name] = process.pid
    return pids


@contextmanager
def harness(
    system: LocalSystem, database_url: str, profile: Profile, folder: Path
) -> Iterator[Harness]:
    """The bench's accounts made and the references started; the references stopped after."""
    gateway = system.url("gateway")
    email, token = register(gateway, "bench")
    owner = user_id_of(gateway, token)
    auth = {"Authorization": f"Bearer {token}"}
    # Writes go to another account, so the list being measured keeps its size.
    _, writer_token = register(gateway, "bench-writer")
    json_auth = {"Authorization": f"Bearer {writer_token}", "Content-Type": "application/json"}
    # nginx's folder is its own: its workers (another user when run as root) read it.
    nginx_folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    nginx_folder.chmod(0o755)
    refs = References(database_url, system.ports["notes-service"], nginx_folder)
    # Asked before each measurement: services and references restart between phases.
    meter = Meter(profile, database_url, lambda: measured_processes(system, refs))
    try:
        refs.start_minimal()
        refs.start_nginx()
        refs.start_bare_proxy()
        yield Harness(system, refs, meter, folder, email, owner, auth, json_auth)
    finally:
        refs.stop()
        shutil.rmtree(nginx_folder, ignore_errors=True)
