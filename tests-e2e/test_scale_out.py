"""Two replicas of every service (and two gateways) on one machine: what the cluster promises.

Its own system, on its own Postgres: the other e2e modules keep the single
replica of tests-e2e/conftest.py. Figures of each disturbance (requests,
failures, p99) are printed and written to artifacts/scale-out.json.
"""

from __future__ import annotations

import asyncio
import base64
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import pytest
import scale_load
from api_client import ApiClient
from run_local import LocalSystem, free_ports, replica_names
from scale_load import Load, Worker, assert_every_write_stored, summary
from systems import (
    JWKS_MAX_AGE,
    REVOCATION_POLL,
    eventually,
    restart,
    running_system,
    scale_out_settings,
    signing_keys,
    write_key,
)

from platform_common.embedded_postgres import restart_postgres, start_postgres

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

ARTIFACTS = Path(__file__).parent / "artifacts"
CLIENTS = 16
AUTH = replica_names("auth-service", 2)
NOTES = replica_names("notes-service", 2)
GATEWAYS = replica_names("gateway", 2)
# Old-key tokens get 401 within the JWKS max age after retirement; revoked
# accounts' within a poll interval. Both plus the restarts' slack.
KEY_RETIREMENT_BOUND = JWKS_MAX_AGE + 5.0
REVOCATION_BOUND = REVOCATION_POLL + 5.0
REPORT = "scale-out"


@pytest.fixture(scope="module")
def scaled() -> Iterator[LocalSystem]:
    with (
        tempfile.TemporaryDirectory(prefix="e2e-scale-pg-") as pgdata,
        tempfile.TemporaryDirectory(prefix="e2e-scale-") as data_dir,
    ):
        postgres = start_postgres(Path(pgdata))
        keys = signing_keys(Path(data_dir))
        try:
            with running_system(
                str(postgres.get_uri()),
                scale_out_settings(data_dir, keys),
                ports=free_ports(replicas=2, gateways=2),
                quiet=True,
            ) as system:
                system.postgres = postgres  # type: ignore[attr-defined]
                yield system
        finally:
            postgres.cleanup()
            scale_load.write_figures(REPORT, ARTIFACTS)


@pytest.fixture(scope="module")
def api(scaled: LocalSystem) -> Iterator[ApiClient]:
    with ApiClient(scaled.url(GATEWAYS[0])) as client:
        yield client


def record(figures: dict[str, Any]) -> None:
    scale_load.record(REPORT, figures)


@pytest.fixture
def team(scaled: LocalSystem, api: ApiClient) -> Iterator[list[Worker]]:
    """CLIENTS clients, each with an account, logged in, half on each gateway."""
    gateways = [scaled.url(name) for name in GATEWAYS]
    made: list[Worker] = []
    try:
        for index in range(CLIENTS):
            user = api.register()
            made.append(Worker(gateways, user["email"], user["password"], preferred=index % 2))
            assert made[-1].login()
        yield made
    finally:
        for worker in made:
            worker.close()


def race_refreshes(replicas: list[str], refresh: str) -> list[int]:
    """The same refresh token sent to each replica at the same moment."""
    barrier = threading.Barrier(len(replicas))
    statuses: list[int] = []

    def use(base: str) -> None:
        form = {"grant_type": "refresh_token", "refresh_token": refresh}
        barrier.wait()
        statuses.append(httpx.post(base + "/auth/token", data=form, timeout=10).status_code)

    threads = [threading.Thread(target=use, args=(base,)) for base in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def refused(base: str, headers: dict[str, str]) -> bool:
    return httpx.get(base + "/notes/", headers=headers).status_code == 401


def direct_login(base: str, email: str, password: str) -> int:
    form = {"grant_type": "password", "username": email, "password": password}
    return httpx.post(base + "/auth/token", data=form, timeout=10).status_code


class TestSharedState:
    def test_failed_login_limit_holds_across_replicas(
        self, scaled: LocalSystem, api: ApiClient
    ) -> None:
        user = api.register()
        replicas = [scaled.url(name) for name in AUTH]
        statuses = [
            direct_login(replicas[attempt % 2], user["email"], "wrong-password")
            for attempt in range(10)
        ]
        # The per-(account, address) limit is 5, whichever replica counts.
        assert statuses == [400] * 5 + [429] * 5

    def test_two_refreshes_of_one_token_on_two_replicas_one_wins(
        self, scaled: LocalSystem, api: ApiClient
    ) -> None:
        user = api.register()
        replicas = [scaled.url(name) for name in AUTH]
        for _ in range(5):
            refresh = api.login(user["email"], user["password"])["refresh_token"]
            statuses = race_refreshes(replicas, refresh)
            assert sorted(statuses) == [200, 400]

    def test_account_deletion_purges_once_with_two_dispatchers(
        self, scaled: LocalSystem, api: ApiClient
    ) -> None:
        user = api.register()
        headers = {
            "Authorization": f"Bearer {api.login(user['email'], user['password'])['access_token']}"
        }
        for _ in range(3):
            api.create_note(headers)
        user_id = api.me(headers)["id"]
        assert api.delete_account(headers, user["password"]).status_code == 204

        async def event() -> Any:
            connection = await asyncpg.connect(scaled.database_url)
            try:
                return await connection.fetchrow(
                    "SELECT attempts, delivered_at FROM auth.outbox_events"
                    " WHERE payload->>'user_id' = $1",
                    user_id,
                )
            finally:
                await connection.close()

        eventually(lambda: asyncio.run(event())["delivered_at"] is not None, within=15)
        row = asyncio.run(event())
        assert row["attempts"] == 1  # claimed once: one purge, one delivery

    def test_a_revoked_token_is_refused_by_every_replica_within_the_bound(
        self, scaled: LocalSystem, api: ApiClient
    ) -> None:
        user = api.register()
        token = api.login(user["email"], user["password"])["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        everyone = [scaled.url(name) for name in (*NOTES, *GATEWAYS)]
        for base in everyone:
            assert httpx.get(base + "/notes/", headers=headers).status_code == 200
        assert api.delete_account(headers, user["password"]).status_code == 204
        deleted = time.monotonic()
        for base in everyone:
            eventually(
                partial(refused, base, headers),
                within=REVOCATION_BOUND - (time.monotonic() - deleted),
            )


class TestUnderLoad:
    def test_rolling_restart_of_every_process(
        self, scaled: LocalSystem, team: list[Worker]
    ) -> None:
        with Load(team):
            time.sleep(1)
            started = time.monotonic()
            for name in (*AUTH, *NOTES, *GATEWAYS):
                restart(scaled, name)
            ended = time.monotonic()
            time.sleep(1)
        figures = summary("rolling restart", team, (started, ended), allowed=frozenset())
        record(figures)
        assert figures["failures"] == 0, figures
        assert_every_write_stored(team, exact=True)

    def test_key_rotation(self, scaled: LocalSystem, api: ApiClient, team: list[Worker]) -> None:
        keys = Path(scaled.extra_env["AUTH_SIGNING_KEYS_DIR"])
        old = {"Authorization": f"Bearer {team[0].token}"}
        assert _kid(team[0].token) == "key-1"
        with Load(team) as load:
            time.sleep(1)
            started = time.monotonic()
            # 1. Publish the new key; wait until every verifier has refetched.
            write_key(keys, "key-2")
            for name in AUTH:
                restart(scaled, name)
            time.sleep(JWKS_MAX_AGE + 1)
            # 2. Sign with it; clients pick up new tokens.
            scaled.extra_env["AUTH_ACTIVE_KEY_ID"] = "key-2"
            for name in AUTH:
                restart(scaled, name)
            load.relogin()
            assert {_kid(w.token) for w in team} == {"key-2"}
            assert api.http.get("/notes/", headers=old).status_code == 200
            # 3. Retire the old key.
            (keys / "key-1.pem").unlink()
            for name in AUTH:
                restart(scaled, name)
            retired = time.monotonic()
            ended = retired
            for base in (scaled.url(name) for name in (*NOTES, *GATEWAYS)):
                eventually(
                    partial(refused, base, old),
                    within=KEY_RETIREMENT_BOUND - (time.monotonic() - retired),
                )
            time.sleep(1)
        figures = summary("key rotation", team, (started, ended), allowed=frozenset())
        record(figures)
        assert figures["failures"] == 0, figures
        assert_every_write_stored(team, exact=True)

    def test_postgres_restart(self, scaled: LocalSystem, team: list[Worker]) -> None:
        postgres: PostgresServer = scaled.postgres  # type: ignore[attr-defined]
        with Load(team):
            time.sleep(1)
            started = time.monotonic()
            restart_postgres(postgres)
            ended = time.monotonic()
            # Recovered without restarting a service: every request succeeds again.
            eventually(lambda: _recent_all_succeed(team), within=30)
            recovered = time.monotonic()
            time.sleep(1)
        during = (started, recovered)
        figures = summary("postgres restart", team, during, allowed=frozenset({503}))
        figures["postgres_down_seconds"] = round(ended - started, 1)
        figures["recovered_after_seconds"] = round(recovered - started, 1)
        record(figures)
        assert figures["failures"] == 0, figures
        late = [o for w in team for o in w.outcomes if o.started > recovered and o.status == 503]
        assert late == []
        assert_every_write_stored(team, exact=False)


def _recent_all_succeed(team: list[Worker]) -> bool:
    since = time.monotonic() - 1.0
    recent = [o for w in team for o in w.outcomes[-5:] if o.started > since]
    return bool(recent) and all(o.status in (200, 201) for o in recent)


def _kid(token: str) -> str:
    header = token.split(".")[0]
    kid: str = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    return kid
