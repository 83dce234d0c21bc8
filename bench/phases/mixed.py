"""Issue 32: the mixed workload, many people each with their own token (bench/mixed.lua).

An unmeasured warm-up through the gateway first (every person's token
used once, then the mix), so that the measured runs meet the steady state
of real traffic, where a token serves its whole life: its first use, a
signature check in the gateway and in notes-service, is measured apart
(`token_cost`). Then, each with the same seed (the same sequence of
requests) and the same caches: the mix through the gateway and through the
bare proxy (the gateway's own cost above its HTTP stack), its reads alone
straight to notes-service and to the minimal handler (the same people and
ids), and the first request with a never-seen token against a cached one.
Figures: req/s, per operation p50/p99/p99.9 and unexpected statuses, CPU µs
per request of every process (wrk's own too), and the verified-token
caches' hit rates from the services' /metrics, for every run of the mix.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from harness import Harness
from load import parse_wrk, run_wrk_timed, wrk_command
from meter import per_request_us
from people import Person, access_token_signer, add_accounts, notes_of, people, write_data_file
from settings import ROOT

SCRIPT = ROOT / "bench" / "mixed.lua"
ZIPF_EXPONENT = 1.0  # person of rank r is chosen with weight r^-1
MAX_WARM_UP_RUNS = 5  # each mixed_seconds long
# bench/mixed.lua's operations, as the report names them.
OPERATIONS = {
    "read": "GET /notes/{id}",
    "list": "GET /notes/?offset=",
    "cursor": "GET /notes/?sort=&cursor=",
    "search": "GET /notes/?q=",
    "search_page": "GET /notes/?q=&cursor=",
    "create": "POST /notes/ (Idempotency-Key)",
    "update": "PATCH /notes/{id} (If-Match)",
    "delete": "DELETE /notes/{id} (If-Match)",
}


def cache_lookups(port: int) -> dict[str, float]:
    """A service's verified-token cache lookups so far, by result (hit, miss)."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        sample.labels["result"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "access_token_cache_lookups"
        for sample in family.samples
        if sample.name.endswith("_total")
    }


def hit_rates(bench: Harness, run: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    """`run`'s figures, and each token-verifying service's cache hit rate during it."""
    ports = {name: bench.system.ports[name] for name in ("gateway", "notes-service")}
    before = {name: cache_lookups(port) for name, port in ports.items()}
    figures = run()
    rates = {}
    for name, port in ports.items():
        after = cache_lookups(port)
        hits, misses = (after.get(r, 0.0) - before[name].get(r, 0.0) for r in ("hit", "miss"))
        rates[name] = round(hits / (hits + misses), 4) if hits + misses else None
    return figures, rates


def run_mix(
    bench: Harness,
    target: str,
    url: str,
    data: Path,
    mode: str,
    seed: int | None = None,
    prefix: str = "",
    skipped: int = 0,
) -> dict[str, Any]:
    """One wrk run of bench/mixed.lua: overall and per-operation figures, CPU per request.
    `seed`: the same one, the same sequence of requests (None: a random one)."""
    results = bench.folder / f"mixed-{target}-{mode}.txt"
    seed = random.randrange(1 << 30) if seed is None else seed
    args = (str(data), mode, str(ZIPF_EXPONENT), str(results), prefix, str(seed), str(skipped))
    command = wrk_command(url, SCRIPT, bench.profile.connections, bench.profile.mixed_seconds, args)
    (output, wrk_seconds), used = bench.meter.around(lambda: run_wrk_timed(command))
    rps, p50, p99, errors, requests = parse_wrk(output)
    operations = load_results(results)
    return {
        "target": target,
        "mode": mode,
        "requests": requests,
        "requests_per_second": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "errors": errors,  # wrk's: answers not 2xx or 3xx, and socket errors
        "unexpected": sum(op["unexpected"] for op in operations.values()),
        "server_errors": sum(
            n for op in operations.values() for s, n in op["statuses"].items() if s >= 500
        ),
        "operations": operations,
        "cpu_us": {**per_request_us(used, requests), "wrk": round(wrk_seconds / requests * 1e6, 1)},
    }


def load_results(path: Path) -> dict[str, dict[str, Any]]:
    """bench/mixed.lua's answers, by operation: count, statuses, unexpected ones, and
    p50/p99/p99.9 in ms (nearest rank)."""
    answers: dict[str, list[tuple[int, bool, float]]] = {}
    for line in path.read_text().splitlines():
        operation, status, expected, elapsed = line.split()
        answers.setdefault(operation, []).append((int(status), expected == "1", float(elapsed)))
    operations = {}
    for operation, seen in answers.items():
        latencies = sorted(elapsed / 1000 for _, _, elapsed in seen)
        operations[operation] = {
            "count": len(seen),
            "unexpected": sum(not expected for _, expected, _ in seen),
            "statuses": dict(Counter(status for status, _, _ in seen)),
            **{
                f"{name}_ms": round(latencies[max(0, math.ceil(share * len(latencies)) - 1)], 2)
                for name, share in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999))
            },
        }
    return operations


def token_cost(
    bench: Harness, everyone: list[Person], sign: Callable[[Any], str]
) -> dict[str, Any]:
    """The gateway's CPU per request and the latency of GET /notes/{id}, one request at a
    time: each with a token never seen before, then as many with tokens already verified."""
    count = bench.profile.fresh_tokens
    chosen = random.Random(32).choices(everyone, k=count)
    fresh = [(person, sign(person.id)) for person in chosen]
    cached = [(person, person.token) for person in chosen]

    def timed(requests: list[tuple[Person, str]]) -> list[float]:
        elapsed = []
        with httpx.Client(base_url=bench.gateway, timeout=30) as client:
            for person, token in requests:
                started = time.perf_counter()
                response = client.get(
                    f"/notes/{person.notes[0]}", headers={"Authorization": f"Bearer {token}"}
                )
                elapsed.append(time.perf_counter() - started)
                response.raise_for_status()
        return elapsed

    timed(cached)  # each cached token verified once: in the caches
    figures: dict[str, Any] = {}
    # Cached first: the fresh tokens, added to the caches, may push older ones out.
    for name, requests in (("cached", cached), ("fresh", fresh)):
        elapsed, used = bench.meter.around(lambda r=requests: timed(r))  # type: ignore[misc]
        figures[name] = {
            "gateway_cpu_us": per_request_us(used, count)["gateway"],
            "p50_ms": round(statistics.median(elapsed) * 1000, 2),
        }
    return figures


def warm(bench: Harness, data: Path, people: int) -> dict[str, int]:
    """The unmeasured warm-up through the gateway (bench/mixed.lua's mode "warm"): runs
    of the mix, each first using the tokens the earlier ones did not reach, until every
    person's has been used (a few runs at most, on a machine busy enough to slow it)."""
    figures = {"runs": 0, "requests": 0, "people_warmed": 0, "unexpected": 0}
    while figures["people_warmed"] < people and figures["runs"] < MAX_WARM_UP_RUNS:
        run = run_mix(
            bench, "gateway", bench.gateway, data, "warm", skipped=figures["people_warmed"]
        )
        figures["runs"] += 1
        figures["requests"] += run["requests"]
        figures["people_warmed"] += run["operations"].get("warm", {}).get("count", 0)
        figures["unexpected"] += run["unexpected"]
    return figures


def data_file(bench: Harness) -> Path:
    """bench/mixed.lua's data (people.write_data_file), also the open-loop curve's."""
    return bench.folder / "mixed-people.txt"


def measure(bench: Harness) -> dict[str, Any]:
    profile = bench.profile
    asyncio.run(add_accounts(bench.database_url, profile.users, bench.email))
    notes = asyncio.run(notes_of(bench.database_url, profile.users))
    login_token = bench.auth["Authorization"].removeprefix("Bearer ")
    sign = access_token_signer(bench.folder, login_token)
    everyone = people(notes, {"access": sign})
    data = write_data_file(data_file(bench), everyone)
    bare = f"http://127.0.0.1:{bench.refs.bare_proxy_port}"
    minimal = f"http://127.0.0.1:{bench.refs.minimal_port}"
    seed = random.randrange(1 << 30)
    warm_up, warm_rates = hit_rates(bench, lambda: warm(bench, data, len(everyone)))
    gateway, rates = hit_rates(
        bench, lambda: run_mix(bench, "gateway", bench.gateway, data, "mix", seed)
    )
    bare_proxy, bare_rates = hit_rates(
        bench, lambda: run_mix(bench, "bare>notes", bare, data, "mix", seed)
    )
    return {
        "people": len(everyone),
        "notes": sum(len(p.notes) for p in everyone),
        "zipf_exponent": ZIPF_EXPONENT,
        "seconds": profile.mixed_seconds,
        "warm_up": {**warm_up, "cache_hit_rates": warm_rates},
        "gateway": gateway,
        "cache_hit_rates": rates,
        "bare_proxy": bare_proxy,
        # Only notes-service verifies tokens behind the bare proxy.
        "bare_proxy_cache_hit_rates": {"notes-service": bare_rates["notes-service"]},
        "reads_direct": run_mix(bench, "direct", bench.notes, data, "reads", seed),
        "reads_minimal": run_mix(bench, "minimal", minimal, data, "reads", seed, prefix="/owned"),
        "token_cost": token_cost(bench, everyone, sign),
    }
