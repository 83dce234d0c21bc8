"""An open-loop load generator: requests at a constant arrival rate, wrk2-style.

wrk is closed-loop: each connection waits for its answer before sending the
next request, so when the system slows down, the load does too and queueing
hides in the generator. Here request i is sent at start + i / rate whether or
not earlier ones have been answered (a task each, a connection each when
needed, up to --max-in-flight), and its latency counts from that intended
time, so a late sender counts against the system as well (no coordinated
omission). wrk2 is not a Debian package; this is asyncio + uvloop + aiohttp's
client (the gateway's own). Its own CPU time is printed with the figures,
since the generator must not be the bottleneck.

The requests are the mixed workload's reads: GET /notes/{id} of a
Zipf-chosen person with that person's token (bench/mixed.lua's data file).

    python open_loop.py URL DATA RATE SECONDS  ->  one JSON line on stdout
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import resource
import time
from pathlib import Path
from typing import Any

import aiohttp
import uvloop


def read_people(data: Path) -> list[tuple[str, list[str]]]:
    """bench/mixed.lua's data file: (token, note ids) per person, by rank."""
    lines = data.read_text().splitlines()[1:]  # the first line: search words
    return [(fields[0], fields[1:]) for fields in (line.split() for line in lines)]


def zipf_weights(count: int, exponent: float) -> list[float]:
    return [rank**-exponent for rank in range(1, count + 1)]


async def generate(
    url: str, people: list[tuple[str, list[str]]], rate: float, seconds: float, max_in_flight: int
) -> dict[str, Any]:
    chosen = random.Random(4).choices(
        people, weights=zipf_weights(len(people), 1.0), k=math.ceil(rate * seconds)
    )
    latencies: list[float] = []
    lags: list[float] = []  # how late each request left: the generator's own delay
    statuses: dict[int, int] = {}
    failures = 0
    in_flight = 0
    connector = aiohttp.TCPConnector(limit=max_in_flight)
    loop = asyncio.get_running_loop()

    async def one(client: aiohttp.ClientSession, due: float, token: str, ids: list[str]) -> None:
        nonlocal failures, in_flight
        lags.append(loop.time() - due)
        try:
            headers = {"Authorization": f"Bearer {token}"}
            async with client.get(f"{url}/notes/{random.choice(ids)}", headers=headers) as answer:
                await answer.read()
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
            latencies.append(loop.time() - due)
        except (aiohttp.ClientError, TimeoutError):
            failures += 1
        finally:
            in_flight -= 1

    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        tasks = set()
        start = loop.time() + 0.05
        for number, (token, ids) in enumerate(chosen):
            due = start + number / rate
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            if in_flight >= max_in_flight:  # the system is far behind: counted, not sent
                failures += 1
                continue
            in_flight += 1
            task = asyncio.create_task(one(client, due, token, ids))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        elapsed = loop.time() - start
    return {
        "offered_per_second": rate,
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile_ms(latencies, 0.5),
        "p99_ms": percentile_ms(latencies, 0.99),
        # Above a few ms, the generator could not keep up: its latencies are its own too.
        "send_lag_p99_ms": percentile_ms(lags, 0.99),
        "statuses": statuses,
        "failures": failures,
    }


def percentile_ms(seconds: list[float], share: float) -> float:
    """Nearest rank, in ms."""
    if not seconds:
        return 0.0
    ordered = sorted(seconds)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("data", type=Path)
    parser.add_argument("rate", type=float, help="requests per second")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--max-in-flight", type=int, default=1000)
    args = parser.parse_args()
    people = read_people(args.data)
    started = time.process_time()
    figures = uvloop.run(generate(args.url, people, args.rate, args.seconds, args.max_in_flight))
    answered = sum(figures["statuses"].values())
    figures["generator_cpu_us"] = round((time.process_time() - started) / max(answered, 1) * 1e6, 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["generator_max_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
