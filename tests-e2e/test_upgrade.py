"""Upgrading from the previous release (deploy/previous_release) to this tree.

1. The previous release's code on this tree's schema: a fresh database
   migrated to our head (every service of deploy/services.py), the
   release's services started from its own files by its own runner, and a
   smoke set of its API through its gateway.
2. A rolling upgrade under the scale-out test's load: the previous release
   with two replicas of each service, our migrations applied while it
   serves, then each replica replaced by ours, one at a time, in
   `upgrade_order`. No failed request, every acknowledged write read back;
   the figures are printed as test_scale_out's (report "upgrade") and written
   to artifacts/upgrade.json.

Neither test names a service or a migration: both read deploy/services.py
and the previous release's own list, so a service or migration added later
needs no change here (deploy/README.md, "Upgrading").
"""

from __future__ import annotations

import asyncio
import subprocess  # nosec B404
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import scale_load
from api_client import bearer
from previous_release import (
    ROOT,
    PreviousRelease,
    dependency_differences,
    ensure_commit,
    previous_release,
    revision,
)
from run_local import LocalSystem, free_ports, service_of
from scale_load import Load, Worker, assert_every_write_stored, summary
from services import AUTH, GATEWAY
from systems import (
    NOTES_OF,
    eventually,
    rows_of,
    scale_out_settings,
    signing_keys,
    url,
    wait_ready,
)

from platform_common.embedded_postgres import start_postgres

ARTIFACTS = Path(__file__).parent / "artifacts"
REPORT = "upgrade"
CLIENTS = 16
# A process's start, on a machine the load (and other suites) keep busy.
READY_SECONDS = 120.0
# The clients sign in all at once after each replacement, on a machine that
# may be busy: how long a login may wait (auth-service's hashing queue, the
# gateway's read of auth-service) is not what is under test here. Both
# releases read these names.
LOGIN_WAIT_BOUNDS = {
    "AUTH_PASSWORD_HASHING_MAX_WAIT_SECONDS": "30",
    "GATEWAY_AUTH_TIMEOUT_SECONDS": "30",
}


@pytest.fixture(scope="module")
def previous() -> Iterator[PreviousRelease]:
    with tempfile.TemporaryDirectory(prefix="e2e-previous-release-") as folder:
        yield previous_release(Path(folder))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A private Postgres; each test makes a database of its own in it."""
    with tempfile.TemporaryDirectory(prefix="e2e-upgrade-pg-") as pgdata:
        postgres = start_postgres(Path(pgdata))
        try:
            yield str(postgres.get_uri())
        finally:
            postgres.cleanup()
            scale_load.write_figures(REPORT, ARTIFACTS)


def fresh_database(server: str) -> str:
    name = f"upgrade_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    base, _, query = server.partition("?")
    return base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


def start(system: Any, previous: PreviousRelease) -> None:
    """Every process of the previous release's system, ready; says why when one is not."""
    try:
        system.start_all(READY_SECONDS)
    except RuntimeError as exc:
        needs = dependency_differences(previous.tree)
        pytest.fail(f"the previous release did not start: {exc}; its pins this venv lacks: {needs}")
    for name in system.processes:
        wait_ready(url(system, name), name, timeout=READY_SECONDS)


def upgrade_order(names: list[str], previous_services: list[str]) -> list[str]:
    """The order in which processes are replaced by ours (deploy/README.md, "Upgrading").

    First the services the previous release lacks (nothing calls them until
    our gateway does); then the gateways, so that our upstreams only ever see
    our gateway; then every other service; the token issuer (auth-service)
    last: the previous release's verifiers accept only its own issuer, ours
    accept both (NOTES_/GATEWAY_JWT_PREVIOUS_ISSUERS), so a token of ours
    must never reach a verifier of the previous release.
    """

    def rank(name: str) -> int:
        service = service_of(name).name
        if service not in previous_services:
            return 0
        return {GATEWAY: 1, AUTH: 3}.get(service, 2)

    return sorted(names, key=rank)


def smoke_notes(api: Any, headers: dict[str, str]) -> None:
    """Create, read, list, patch, search and delete notes."""
    kept = api.create_note(headers, title="zebra crossing", description="smoke")
    gone = api.create_note(headers, title="another note")
    read = api.http.get(f"/notes/{kept['id']}", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["title"] == "zebra crossing"
    listed = api.http.get("/notes/", headers=headers)
    assert listed.status_code == 200, listed.text
    assert {note["id"] for note in listed.json()} == {kept["id"], gone["id"]}
    assert listed.headers["x-total-count"] == "2"
    patch = {"title": "zebra patched"}
    patched = api.http.patch(f"/notes/{kept['id']}", json=patch, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "zebra patched"
    assert patched.json()["description"] == "smoke"
    found = api.http.get("/notes/", params={"q": "zebra"}, headers=headers)
    assert found.status_code == 200, found.text
    assert [note["id"] for note in found.json()] == [kept["id"]]
    deleted = api.http.delete(f"/notes/{gone['id']}", headers=headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["id"] == gone["id"]
    assert api.http.get(f"/notes/{gone['id']}", headers=headers).status_code == 404


def smoke_refresh(api: Any, user: dict[str, str]) -> None:
    """A refresh gives a working pair; the used refresh token is refused after.

    A sign-in of its own: presenting a used refresh token ends its session.
    """
    tokens = api.login(user["email"], user["password"])
    fresh = api.refresh(tokens["refresh_token"])
    assert fresh.status_code == 200, fresh.text
    assert api.http.get("/notes/", headers=bearer(fresh.json())).status_code == 200
    assert api.refresh(tokens["refresh_token"]).status_code == 400


def smoke_account_deletion(
    api: Any, database_url: str, user: dict[str, str], headers: dict[str, str]
) -> None:
    """Deleting the account purges its notes (auth-service's outbox to notes-service)."""
    me = api.http.get("/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    owner = me.json()["id"]
    assert rows_of(database_url, NOTES_OF, owner) == 1
    assert api.delete_account(headers, user["password"]).status_code == 204
    eventually(lambda: rows_of(database_url, NOTES_OF, owner) == 0, within=30)
    assert api.http.get("/auth/me", headers=headers).status_code == 401


def shallow_clone(into: Path) -> Path:
    """A clone of this repository's HEAD with one commit of history, as CI's may be."""
    clone = into / "clone"
    subprocess.run(  # nosec B603 B607
        ["git", "clone", "--quiet", "--depth", "1", ROOT.as_uri(), str(clone)], check=True
    )
    return clone


def test_a_shallow_clone_fetches_the_previous_release(tmp_path: Path) -> None:
    clone = shallow_clone(tmp_path)
    rev = revision()
    assert subprocess.run(["git", "-C", str(clone), "cat-file", "-e", rev]).returncode != 0
    ensure_commit(rev, clone)
    assert subprocess.run(["git", "-C", str(clone), "cat-file", "-e", rev]).returncode == 0


def test_a_release_commit_missing_everywhere_fails_with_its_name(tmp_path: Path) -> None:
    clone = shallow_clone(tmp_path)
    with pytest.raises(RuntimeError, match=r"0{40} \(deploy/previous_release\) is not in"):
        ensure_commit("0" * 40, clone)


def test_previous_release_serves_on_this_schema(server: str, previous: PreviousRelease) -> None:
    database_url = fresh_database(server)
    with tempfile.TemporaryDirectory(prefix="e2e-upgrade-") as data_dir:
        settings = scale_out_settings(data_dir, signing_keys(Path(data_dir)))
        ports = free_ports()
        LocalSystem(database_url, ports, settings, quiet=True).migrate()
        # Its log lines kept: a failure shows what the release's code met.
        old = previous.system(database_url, ports, settings, quiet=False)
        try:
            start(old, previous)
            with previous.api(url(old, GATEWAY)) as api:
                user = api.register()
                tokens = api.login(user["email"], user["password"])
                smoke_notes(api, bearer(tokens))
                smoke_refresh(api, user)
                smoke_account_deletion(api, database_url, user, bearer(tokens))
        finally:
            old.stop_all()


def make_team(previous: PreviousRelease, gateways: list[str]) -> list[Worker]:
    """CLIENTS clients with an account each, signed in, half on each gateway."""
    team = []
    with previous.api(gateways[0]) as api:
        for index in range(CLIENTS):
            user = api.register()
            team.append(Worker(gateways, user["email"], user["password"], preferred=index % 2))
            assert team[-1].login()
    return team


def test_rolling_upgrade_under_load(server: str, previous: PreviousRelease) -> None:
    database_url = fresh_database(server)
    with tempfile.TemporaryDirectory(prefix="e2e-upgrade-") as data_dir:
        settings = {
            **scale_out_settings(data_dir, signing_keys(Path(data_dir))),
            **LOGIN_WAIT_BOUNDS,
        }
        ports = free_ports(replicas=2, gateways=2)
        old = previous.system(database_url, ports, settings)
        new = LocalSystem(database_url, ports, settings, quiet=True)
        team: list[Worker] = []
        try:
            old.migrate()
            start(old, previous)
            gateways = [url(old, name) for name in ports if service_of(name).name == GATEWAY]
            team = make_team(previous, gateways)
            with Load(team) as load:
                time.sleep(1)
                started = time.monotonic()
                new.migrate()
                migrated = time.monotonic()
                for name in upgrade_order(list(ports), previous.services):
                    old.stop(name)
                    new.start(name)
                    wait_ready(url(new, name), name, timeout=READY_SECONDS)
                    # Clients sign in again at each step: tokens of whichever
                    # issuer answered, through the verifiers running then.
                    load.relogin()
                ended = time.monotonic()
                time.sleep(1)
            figures = summary("rolling upgrade", team, (started, ended), allowed=frozenset())
            figures["migrations_seconds"] = round(migrated - started, 1)
            scale_load.record(REPORT, figures)
            assert figures["failures"] == 0, figures
            assert_every_write_stored(team, exact=True)
        finally:
            for worker in team:
                worker.close()
            old.stop_all()
            new.stop_all()
