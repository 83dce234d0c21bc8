"""Issue 30, item 7: note changes at 200/s through the gateway, delivered as webhooks
to a receiver on this machine. Figures: deliveries per second, p50/p99 from each
change's acknowledgement (the gateway's 201) to the receiver's 2xx, lost and
duplicated deliveries, and each process's CPU per change.

The receiver is a process of its own (bench/delivery_receiver.py); the notes
are created from this one with aiohttp's client (the gateway's own, lighter
than httpx), paced by the clock. Both note their instants on the machine's
monotonic clock. A change not delivered within GRACE_SECONDS of the last one
counts as lost.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from run_local import free_port

from harness import Harness
from meter import per_request_us
from settings import ROOT

RATE_PER_SECOND = 200
# How long after the last change the stragglers are waited for.
GRACE_SECONDS = 15.0
RECEIVER = ROOT / "bench" / "delivery_receiver.py"


def start_receiver(port: int, output: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, str(RECEIVER), str(port), str(output)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the webhook receiver did not start")


Arrival = tuple[float, str, str, int]  # instant, webhook-id, event type, note id


def stop_receiver(process: subprocess.Popen[bytes], output: Path) -> list[Arrival]:
    """Stop it; what it received, a delivery each."""
    process.terminate()
    process.wait(timeout=30)
    lines = output.read_text().splitlines() if output.exists() else []
    return [
        (float(instant), webhook_id, kind, int(note))
        for instant, webhook_id, kind, note in (line.split() for line in lines)
    ]


async def change_notes(gateway: str, auth: dict[str, str], count: int) -> dict[int, float]:
    """`count` notes created at RATE_PER_SECOND: each note's id and the instant of its 201."""
    acknowledged: dict[int, float] = {}
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(gateway, headers=auth, connector=connector) as http:

        async def create(index: int) -> None:
            body = json.dumps({"title": f"hook {index:06d}", "description": "webhook bench"})
            try:
                async with http.post("/notes/", data=body) as response:
                    answer = await response.read()
            except (aiohttp.ClientError, TimeoutError):
                # Not acknowledged (a kept-alive connection closed under the
                # request): no delivery is owed; counted as `unacknowledged`.
                return
            if response.status == 201:
                acknowledged[int(json.loads(answer)["id"])] = time.monotonic()

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
    port = free_port()
    output = bench.folder / "webhook-arrivals.txt"
    receiver = start_receiver(port, output)
    try:
        response = httpx.post(
            f"{bench.gateway}/webhooks/endpoints",
            json={"url": f"http://127.0.0.1:{port}/hook", "event_types": ["note.created"]},
            headers=bench.json_auth,
        )
        response.raise_for_status()
        count = RATE_PER_SECOND * bench.profile.seconds * bench.profile.rounds
        started = time.monotonic()

        def run() -> dict[int, float]:
            acknowledged = asyncio.run(change_notes(bench.gateway, bench.json_auth, count))
            wait_for_deliveries(bench, len(acknowledged), started)
            return acknowledged

        acknowledged, used = bench.meter.around(run)
    finally:
        arrivals = stop_receiver(receiver, output)
    return {
        **figures(arrivals, acknowledged, time.monotonic() - started),
        "unacknowledged": count - len(acknowledged),
        # The services' and Postgres' CPU per acknowledged change (creation and delivery).
        "cpu_us": per_request_us(used, max(len(acknowledged), 1)),
    }


def wait_for_deliveries(bench: Harness, expected: int, started: float) -> None:
    """Until webhooks-service has nothing pending, or GRACE_SECONDS after the last change."""
    deadline = time.monotonic() + GRACE_SECONDS
    metrics = f"{bench.system.url('webhooks-service')}/metrics"
    while time.monotonic() < deadline:
        delivered = delivered_count(metrics)
        if delivered is not None and delivered >= expected:
            return
        time.sleep(0.2)


def delivered_count(metrics: str) -> float | None:
    """webhooks-service's successful attempts so far (its /metrics), None if unreadable."""
    try:
        text = httpx.get(metrics, timeout=5).text
    except httpx.HTTPError:
        return None
    for line in text.splitlines():
        if line.startswith("webhooks_delivery_attempts_total") and 'outcome="delivered"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def figures(
    arrivals: list[Arrival], acknowledged: dict[int, float], elapsed: float
) -> dict[str, Any]:
    created_at: dict[int, float] = {}
    for instant, _, kind, note in arrivals:
        if kind == "note.created":
            created_at.setdefault(note, instant)
    webhook_ids = [webhook_id for _, webhook_id, _, _ in arrivals]
    latencies = [created_at[n] - acknowledged[n] for n in acknowledged if n in created_at]
    last = max(created_at.values(), default=0.0)
    first = min(acknowledged.values(), default=0.0)
    return {
        "changes": len(acknowledged),
        "delivered": len(latencies),
        "lost": len(acknowledged) - len(latencies),
        "duplicates": len(webhook_ids) - len(set(webhook_ids)),
        "deliveries_per_second": round(len(latencies) / max(last - first, 1e-9), 1),
        # The rate actually acknowledged (below 200/s: the platform fell behind the load).
        "acknowledged_per_second": round(
            len(acknowledged) / max(max(acknowledged.values(), default=0.0) - first, 1e-9), 1
        ),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "elapsed_s": round(elapsed, 1),
    }
