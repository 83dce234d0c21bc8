"""Clients working through two gateways while the system is disturbed, and what they saw.

Each client prefers one gateway and moves to the other when its connection is
refused (nothing was sent: safe for any request) or when the gateway answers
`Connection: close` (it is draining before a restart: platform_common.draining),
as a load balancer in front of the gateways would.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

AVOID_SECONDS = 5.0
# Each report's figures (test_scale_out: "scale-out", test_upgrade: "upgrade"),
# printed at the end of the run by conftest's pytest_terminal_summary.
FIGURES: dict[str, list[dict[str, Any]]] = {}


@dataclass
class Outcome:
    started: float
    seconds: float
    kind: str
    status: int  # 0: no answer


@dataclass
class Worker:
    """One client: its own account, notes and gateways."""

    gateways: list[str]
    email: str
    password: str
    preferred: int
    token: str = ""
    acknowledged: dict[int, str] = field(default_factory=dict)  # note id → last stored title
    failed_creates: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    avoid_until: list[float] = field(default_factory=list)
    generation: int = 0

    def __post_init__(self) -> None:
        self.avoid_until = [0.0] * len(self.gateways)
        self.clients = [httpx.Client(base_url=url, timeout=15.0) for url in self.gateways]

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def _order(self) -> list[int]:
        now = time.monotonic()
        order = [self.preferred, *(i for i in range(len(self.gateways)) if i != self.preferred)]
        return sorted(order, key=lambda i: now < self.avoid_until[i])

    def request(self, kind: str, method: str, path: str, **options: Any) -> httpx.Response | None:
        started = time.monotonic()
        response = None
        for index in self._order():
            try:
                response = self.clients[index].request(method, path, **options)
            except httpx.ConnectError:
                continue  # refused: nothing sent, the other gateway may take it
            except httpx.HTTPError:
                break
            if response.headers.get("connection", "").lower() == "close":
                self.avoid_until[index] = time.monotonic() + AVOID_SECONDS
            break
        status = response.status_code if response is not None else 0
        self.outcomes.append(Outcome(started, time.monotonic() - started, kind, status))
        return response

    def login(self) -> bool:
        response = self.request(
            "login",
            "POST",
            "/auth/token",
            data={"grant_type": "password", "username": self.email, "password": self.password},
        )
        if response is None or response.status_code != 200:
            return False
        self.token = response.json()["access_token"]
        return True

    def one_round(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        title = uuid.uuid4().hex
        created = self.request(
            "create",
            "POST",
            "/notes/",
            json={"title": title, "description": "first"},
            headers=headers,
        )
        if created is None or created.status_code != 201:
            self.failed_creates += 1
            return
        note_id = created.json()["id"]
        self.acknowledged[note_id] = title
        self.request("read", "GET", f"/notes/{note_id}", headers=headers)
        new_title = uuid.uuid4().hex
        updated = self.request(
            "update",
            "PUT",
            f"/notes/{note_id}",
            json={"title": new_title, "description": "second"},
            headers=headers,
        )
        if updated is not None and updated.status_code == 200:
            self.acknowledged[note_id] = new_title

    def stored(self) -> dict[int, str]:
        """Every note of the account, read back after the load."""
        headers = {"Authorization": f"Bearer {self.token}"}
        notes: dict[int, str] = {}
        offset = 0
        while True:
            response = self.clients[0].get(
                "/notes/", params={"offset": offset, "limit": 100}, headers=headers
            )
            assert response.status_code == 200, response.text
            page = response.json()
            notes.update({note["id"]: note["title"] for note in page})
            if len(page) < 100:
                return notes
            offset += 100


def assert_every_write_stored(team: list[Worker], *, exact: bool) -> None:
    """Every acknowledged write is read back (`exact`: and nothing unacknowledged)."""
    for worker in team:
        stored = worker.stored()
        if exact:
            assert stored == worker.acknowledged
        else:
            assert set(worker.acknowledged) <= set(stored)
            assert len(stored) <= len(worker.acknowledged) + worker.failed_creates


EXPECTED = {"create": 201, "read": 200, "update": 200, "login": 200}


class Load:
    """`count` workers running rounds until stopped; `relogin()` has each log in again."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._stop = threading.Event()
        self._generation = 0
        self._threads = [threading.Thread(target=self._run, args=(w,)) for w in workers]

    def _run(self, worker: Worker) -> None:
        while not self._stop.is_set():
            if worker.generation != self._generation:
                generation = self._generation
                if worker.login():
                    worker.generation = generation
                else:
                    time.sleep(0.2)
                continue
            worker.one_round()

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def relogin(self, timeout: float = 30.0) -> None:
        """Every worker holds a token obtained after this call."""
        self._generation += 1
        deadline = time.monotonic() + timeout
        while any(w.generation != self._generation for w in self.workers):
            assert time.monotonic() < deadline, "workers did not log in again"
            time.sleep(0.1)


def p99(seconds: Iterable[float]) -> float:
    ordered = sorted(seconds)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def summary(
    name: str, workers: list[Worker], event: tuple[float, float], allowed: frozenset[int]
) -> dict[str, Any]:
    """Figures for one event: every request, those during the event, failures."""
    outcomes = [o for w in workers for o in w.outcomes]
    during = [o for o in outcomes if event[0] <= o.started <= event[1]]
    failures = [o for o in outcomes if o.status != EXPECTED[o.kind] and o.status not in allowed]
    tolerated = [o for o in outcomes if o.status != EXPECTED[o.kind] and o.status in allowed]
    return {
        "event": name,
        "requests": len(outcomes),
        "requests_during_event": len(during),
        "failures": len(failures),
        "failure_statuses": sorted({o.status for o in failures}),
        "failed_requests": sorted({f"{o.kind} {o.status}" for o in failures}),
        "tolerated": len(tolerated),
        "event_seconds": round(event[1] - event[0], 1),
        "p99_ms": round(p99(o.seconds for o in outcomes) * 1000, 1),
        "p99_during_event_ms": round(p99(o.seconds for o in during) * 1000, 1),
    }


def record(report: str, figures: dict[str, Any]) -> None:
    FIGURES.setdefault(report, []).append(figures)


def write_figures(report: str, folder: Path) -> None:
    """`folder`/<report>.json: the report's figures, for the note."""
    folder.mkdir(exist_ok=True)
    (folder / f"{report}.json").write_text(json.dumps(FIGURES.get(report, []), indent=2) + "\n")
