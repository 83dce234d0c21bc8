"""Upstreams and Postgres failing under the running system."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from api_client import ApiClient
from run_local import LocalSystem
from systems import eventually

from platform_common.embedded_postgres import restart_postgres

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

UPSTREAM_TIMEOUT = 2.0  # GATEWAY_NOTES_TIMEOUT_SECONDS in conftest


@pytest.fixture
def user(api: ApiClient) -> dict[str, str]:
    return api.new_user()


def list_status(api: ApiClient, user: dict[str, str]) -> int:
    return api.http.get("/notes/", headers=user).status_code


class TestUpstreamFaults:
    def test_stopped_upstream_answers_503_quickly_and_recovers(
        self, system: LocalSystem, api: ApiClient, user: dict[str, str]
    ) -> None:
        system.stop("notes-service")
        try:
            started = time.monotonic()
            response = api.http.get("/notes/", headers=user)
            assert response.status_code == 503
            assert "detail" in response.json()
            assert time.monotonic() - started < 1.5
        finally:
            system.start("notes-service")
            system.wait_ready("notes-service")
        eventually(lambda: list_status(api, user) == 200, within=15)

    def test_frozen_upstream_answers_504_within_timeout(
        self, system: LocalSystem, api: ApiClient, user: dict[str, str]
    ) -> None:
        pid = system.processes["notes-service"].pid
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            response = api.http.get("/notes/", headers=user)
            elapsed = time.monotonic() - started
            assert response.status_code == 504
            assert "detail" in response.json()
            assert elapsed < UPSTREAM_TIMEOUT * 2 + 1.5  # one retry at most for a GET
        finally:
            os.kill(pid, signal.SIGCONT)
        eventually(lambda: list_status(api, user) == 200, within=15)


class TestPostgresRestart:
    def test_acknowledged_writes_survive_and_service_recovers(
        self, postgres: PostgresServer, api: ApiClient, user: dict[str, str]
    ) -> None:
        acknowledged: list[int] = []
        refused: list[int] = []
        stop = threading.Event()
        lock = threading.Lock()

        def writer(worker: int) -> None:
            with httpx.Client(base_url=str(api.http.base_url), timeout=10.0) as http:
                sequence = 0
                while not stop.is_set():
                    sequence += 1
                    title = f"w{worker}-{sequence}"
                    try:
                        response = http.post(
                            "/notes/", json={"title": title, "description": "load"}, headers=user
                        )
                    except httpx.HTTPError:
                        continue
                    with lock:
                        if response.status_code == 201:
                            acknowledged.append(response.json()["id"])
                        else:
                            refused.append(response.status_code)

        workers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in workers:
            thread.start()
        try:
            time.sleep(1.0)
            restart_postgres(postgres)
            time.sleep(1.0)
        finally:
            stop.set()
            for thread in workers:
                thread.join(timeout=30)

        assert acknowledged, "no write succeeded at all"
        # A write that could not be made is refused cleanly (503), never with a 500.
        assert set(refused) <= {503}, refused

        def recovered() -> bool:
            response = api.http.post(
                "/notes/", json={"title": "after", "description": "restart"}, headers=user
            )
            return response.status_code == 201

        eventually(recovered, within=15)
        stored: set[int] = set()
        offset = 0
        while True:
            page = api.http.get(f"/notes/?offset={offset}&limit=100", headers=user)
            assert page.status_code == 200
            batch = page.json()
            stored.update(note["id"] for note in batch)
            offset += len(batch)
            if len(batch) < 100:
                break
        assert set(acknowledged) <= stored
        assert len(acknowledged) == len(set(acknowledged))
