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
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import scale_load
from previous_release import PreviousRelease, dependency_differences, previous_release
from run_local import LocalSystem, free_ports, service_of
from scale_load import Load, Worker, assert_every_write_stored, summary
from services import AUTH, GATEWAY
from systems import eventually, scale_out_settings, signing_keys, url, wait_ready

from platform_common.embedded_postgres import start_postgres

ARTIFACTS = Path(__file__).parent / "artifacts"
REPORT = "upgrade"
CLIENTS = 16
PASSWORD = "upgrade-password-1"


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


def query(database_url: str, sql: str, *arguments: Any) -> Any:
    async def run() -> Any:
        connection = await asyncpg.connect(database_url)
        try:
            return await connection.fetchval(sql, *arguments)
        finally:
            await connection.close()

    return asyncio.run(run())


def start(system: Any, previous: PreviousRelease) -> None:
    """Every process of the previous release's system, ready; says why when one is not."""
    try:
        system.start_all()
    except RuntimeError as exc:
        needs = dependency_differences(previous.tree)
        pytest.fail(f"the previous release did not start: {exc}; its pins this venv lacks: {needs}")
    for name in system.processes:
        wait_ready(url(system, name), name)


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


def register(api: httpx.Client) -> dict[str, str]:
    """An account through the previous release's API (201 and the user)."""
    email = f"upgrade-{uuid.uuid4().hex[:12]}@e2e.example"
    response = api.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"email": email, "password": PASSWORD}


def sign_in(api: httpx.Client, user: dict[str, str]) -> dict[str, Any]:
    form = {"grant_type": "password", "username": user["email"], "password": user["password"]}
    response = api.post("/auth/token", data=form)
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def create_note(api: httpx.Client, headers: dict[str, str], title: str) -> dict[str, Any]:
    response = api.post("/notes/", json={"title": title, "description": "smoke"}, headers=headers)
    assert response.status_code == 201, response.text
    note: dict[str, Any] = response.json()
    return note


def smoke_notes(api: httpx.Client, headers: dict[str, str]) -> None:
    """Create, read, list, patch, search and delete notes."""
    kept = create_note(api, headers, "zebra crossing")
    gone = create_note(api, headers, "another note")
    read = api.get(f"/notes/{kept['id']}", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["title"] == "zebra crossing"
    listed = api.get("/notes/", headers=headers)
    assert listed.status_code == 200, listed.text
    assert {note["id"] for note in listed.json()} == {kept["id"], gone["id"]}
    assert listed.headers["x-total-count"] == "2"
    patched = api.patch(f"/notes/{kept['id']}", json={"title": "zebra patched"}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "zebra patched"
    assert patched.json()["description"] == "smoke"
    found = api.get("/notes/", params={"q": "zebra"}, headers=headers)
    assert found.status_code == 200, found.text
    assert [note["id"] for note in found.json()] == [kept["id"]]
    deleted = api.delete(f"/notes/{gone['id']}", headers=headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["id"] == gone["id"]
    assert api.get(f"/notes/{gone['id']}", headers=headers).status_code == 404


def smoke_refresh(api: httpx.Client, tokens: dict[str, Any]) -> dict[str, Any]:
    """A refresh gives a working pair; the used refresh token no longer works."""
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    fresh = api.post("/auth/token", data=form)
    assert fresh.status_code == 200, fresh.text
    assert api.get("/notes/", headers=bearer(fresh.json())).status_code == 200
    assert api.post("/auth/token", data=form).status_code == 400
    refreshed: dict[str, Any] = fresh.json()
    return refreshed


def smoke_account_deletion(
    api: httpx.Client, database_url: str, user: dict[str, str], headers: dict[str, str]
) -> None:
    """Deleting the account purges its notes (auth-service's outbox to notes-service)."""
    me = api.get("/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    owner = uuid.UUID(me.json()["id"])
    count = "SELECT count(*) FROM notes.notes WHERE owner_id = $1"
    assert query(database_url, count, owner) == 1
    deleted = api.request(
        "DELETE", "/auth/me", json={"current_password": user["password"]}, headers=headers
    )
    assert deleted.status_code == 204, deleted.text
    eventually(lambda: query(database_url, count, owner) == 0, within=30)
    assert api.get("/auth/me", headers=headers).status_code == 401


def test_previous_release_serves_on_this_schema(server: str, previous: PreviousRelease) -> None:
    database_url = fresh_database(server)
    with tempfile.TemporaryDirectory(prefix="e2e-upgrade-") as data_dir:
        settings = scale_out_settings(data_dir, signing_keys(Path(data_dir)))
        ports = free_ports()
        LocalSystem(database_url, ports, settings, quiet=True).migrate()
        old = previous.system(database_url, ports, settings)
        try:
            start(old, previous)
            with httpx.Client(base_url=url(old, GATEWAY), timeout=15) as api:
                user = register(api)
                tokens = sign_in(api, user)
                smoke_notes(api, bearer(tokens))
                tokens = smoke_refresh(api, tokens)
                smoke_account_deletion(api, database_url, user, bearer(tokens))
        finally:
            old.stop_all()


def make_team(gateways: list[str]) -> list[Worker]:
    """CLIENTS clients with an account each, signed in, half on each gateway."""
    team = []
    with httpx.Client(base_url=gateways[0], timeout=15) as api:
        for index in range(CLIENTS):
            user = register(api)
            team.append(Worker(gateways, user["email"], user["password"], preferred=index % 2))
            assert team[-1].login()
    return team


def test_rolling_upgrade_under_load(server: str, previous: PreviousRelease) -> None:
    database_url = fresh_database(server)
    with tempfile.TemporaryDirectory(prefix="e2e-upgrade-") as data_dir:
        settings = scale_out_settings(data_dir, signing_keys(Path(data_dir)))
        ports = free_ports(replicas=2, gateways=2)
        old = previous.system(database_url, ports, settings)
        new = LocalSystem(database_url, ports, settings, quiet=True)
        team: list[Worker] = []
        try:
            old.migrate()
            start(old, previous)
            gateways = [url(old, name) for name in ports if service_of(name).name == GATEWAY]
            team = make_team(gateways)
            with Load(team) as load:
                time.sleep(1)
                started = time.monotonic()
                new.migrate()
                migrated = time.monotonic()
                for name in upgrade_order(list(ports), previous.services):
                    old.stop(name)
                    new.start(name)
                    wait_ready(url(new, name), name)
                ended = time.monotonic()
                # Tokens of our issuer, through our verifiers only.
                load.relogin()
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
