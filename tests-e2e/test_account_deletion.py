"""Deleting an account purges its notes even when notes-service is frozen meanwhile."""

from __future__ import annotations

import os
import signal
import time

from api_client import ApiClient, bearer
from run_local import LocalSystem
from systems import NOTES_OF, eventually, rows_of


def test_notes_purged_after_notes_service_comes_back(
    system: LocalSystem, database_url: str, api: ApiClient
) -> None:
    leaving = api.register()
    leaving_headers = bearer(api.login(leaving["email"], leaving["password"]))
    staying = api.new_user()
    for n in range(3):
        api.create_note(leaving_headers, f"leaving {n}")
    kept = api.create_note(staying, "staying")
    leaving_id = api.me(leaving_headers)["id"]
    assert rows_of(database_url, NOTES_OF, leaving_id) == 3

    notes_pid = system.processes["notes-service"].pid
    os.kill(notes_pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = api.delete_account(leaving_headers, leaving["password"])
        assert response.status_code == 204
        assert time.monotonic() - started < 2.0  # not waiting for notes-service
        time.sleep(3)  # deliveries fail (time out) meanwhile and are retried
        assert rows_of(database_url, NOTES_OF, leaving_id) == 3
    finally:
        os.kill(notes_pid, signal.SIGCONT)

    eventually(lambda: rows_of(database_url, NOTES_OF, leaving_id) == 0, within=15)
    assert api.http.get(f"/notes/{kept['id']}/", headers=staying).json() == kept

    # The deleted account's still-unexpired token stops working at the gateway.
    eventually(
        lambda: api.http.get("/notes/", headers=leaving_headers).status_code == 401, within=10
    )
    assert api.http.get("/auth/me", headers=leaving_headers).status_code == 401
