"""Deleting an account purges its notes even when notes-service is frozen meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

import asyncpg
from api_client import ApiClient
from run_local import LocalSystem
from systems import eventually


def stored_notes(database_url: str, owner: str) -> int:
    async def count() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            return int(
                await connection.fetchval(
                    "SELECT count(*) FROM notes.notes WHERE owner_id = $1", uuid.UUID(owner)
                )
            )
        finally:
            await connection.close()

    return asyncio.run(count())


def test_notes_purged_after_notes_service_comes_back(
    system: LocalSystem, database_url: str, api: ApiClient
) -> None:
    leaving = api.register()
    tokens = api.login(leaving["email"], leaving["password"])
    leaving_headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    staying = api.new_user()
    for n in range(3):
        api.create_note(leaving_headers, f"leaving {n}")
    kept = api.create_note(staying, "staying")
    leaving_id = api.me(leaving_headers)["id"]
    assert stored_notes(database_url, leaving_id) == 3

    notes_pid = system.processes["notes-service"].pid
    os.kill(notes_pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = api.delete_account(leaving_headers, leaving["password"])
        assert response.status_code == 204
        assert time.monotonic() - started < 2.0  # not waiting for notes-service
        time.sleep(3)  # deliveries fail (time out) meanwhile and are retried
        assert stored_notes(database_url, leaving_id) == 3
    finally:
        os.kill(notes_pid, signal.SIGCONT)

    eventually(lambda: stored_notes(database_url, leaving_id) == 0, within=15)
    assert api.http.get(f"/notes/{kept['id']}/", headers=staying).json() == kept

    # The deleted account's still-unexpired token stops working at the gateway.
    eventually(
        lambda: api.http.get("/notes/", headers=leaving_headers).status_code == 401, within=10
    )
    assert api.http.get("/auth/me", headers=leaving_headers).status_code == 401
