"""Issue 30, item 7: note changes at 200/s through the gateway, delivered as webhooks
to a receiver on this machine. Figures: deliveries per second, p50/p99 from each
change's acknowledgement (the gateway's 201) to the receiver's 2xx, lost and
duplicated deliveries.

The receiver runs in a thread of this process, so both instants come from one
monotonic clock. A change not delivered within GRACE_SECONDS of the last one
counts as lost.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from run_local import free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness import Harness

RATE_PER_SECOND = 200
# How long after the last change the stragglers are waited for.
GRACE_SECONDS = 15.0


@dataclass
class Arrivals:
    """What the receiver got: the instant of each note's creation event, and every webhook-id."""

    created_at: dict[int, float] = field(default_factory=dict)
    webhook_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def hook(self, request: Request) -> Response:
        payload = await request.json()
        arrived = time.monotonic()
        with self.lock:
            self.webhook_ids.append(request.headers["webhook-id"])
            if payload.get("type") == "note.created":
                self.created_at.setdefault(int(payload["data"]["id"]), arrived)
        return Response(status_code=204)


def start_receiver(arrivals: Arrivals, port: int) -> uvicorn.Server:
    app = Starlette(routes=[Route("/hook", arrivals.hook, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server


async def change_notes(gateway: str, auth: dict[str, str], count: int) -> dict[int, float]:
    """`count` notes created at RATE_PER_SECOND: each note's id and the instant of its 201."""
    acknowledged: dict[int, float] = {}
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=gateway, headers=auth, limits=limits, timeout=30) as http:

        async def create(index: int) -> None:
            body = {"title": f"hook {index:06d}", "description": "webhook bench"}
            try:
                response = await http.post("/notes/", json=body)
            except httpx.TransportError:
                # Not acknowledged (a kept-alive connection closed under the
                # request): no delivery is owed; counted as `unacknowledged`.
                return
            if response.status_code == 201:
                acknowledged[int(response.json()["id"])] = time.monotonic()

        started = time.monotonic()
        tasks = []
        for index in range(count):
            # Paced by the schedule, not by the answers: an open-loop load.
            await asyncio.sleep(max(0.0, started + index / RATE_PER_SECOND - time.monotonic()))
            tasks.append(asyncio.create_task(create(index)))
        await asyncio.gather(*tasks)
    return acknowledged


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(bench: Harness) -> dict[str, Any]:
    arrivals = Arrivals()
    port = free_port()
    server = start_receiver(arrivals, port)
    try:
        response = httpx.post(
            f"{bench.gateway}/webhooks/endpoints",
            json={"url": f"http://127.0.0.1:{port}/hook", "event_types": ["note.created"]},
            headers=bench.json_auth,
        )
        response.raise_for_status()
        count = RATE_PER_SECOND * bench.profile.seconds * bench.profile.rounds
        started = time.monotonic()
        acknowledged = asyncio.run(change_notes(bench.gateway, bench.json_auth, count))
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and len(arrivals.created_at) < len(acknowledged):
            time.sleep(0.1)
    finally:
        server.should_exit = True
    return {
        **figures(arrivals, acknowledged, time.monotonic() - started),
        "unacknowledged": count - len(acknowledged),
    }


def figures(arrivals: Arrivals, acknowledged: dict[int, float], elapsed: float) -> dict[str, Any]:
    with arrivals.lock:
        created_at = dict(arrivals.created_at)
        webhook_ids = list(arrivals.webhook_ids)
    latencies = [created_at[n] - acknowledged[n] for n in acknowledged if n in created_at]
    last = max(created_at.values())
    first = min(acknowledged.values())
    return {
        "changes": len(acknowledged),
        "delivered": len(latencies),
        "lost": len(acknowledged) - len(latencies),
        "duplicates": len(webhook_ids) - len(set(webhook_ids)),
        "deliveries_per_second": round(len(latencies) / max(last - first, 1e-9), 1),
        # The rate actually acknowledged (below 200/s: the platform fell behind the load).
        "acknowledged_per_second": round(
            len(acknowledged) / max(max(acknowledged.values()) - first, 1e-9), 1
        ),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "elapsed_s": round(elapsed, 1),
    }
