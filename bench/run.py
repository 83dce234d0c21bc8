"""`make bench`: the platform under load, measured with wrk, beside three references.

Starts the system the way `make run` does (one worker per service) on a fresh
database of the embedded Postgres, seeds a realistic data set, then measures,
in interleaved rounds, each endpoint through the gateway and straight to
notes-service, login throughput, the read latency while logins hammer
auth-service, and each service's memory. The references run on the same
database and machine: a minimal FastAPI + asyncpg handler reading the same row
(bench/minimal_app.py), nginx proxying to it and to notes-service, and a bare
proxy (uvicorn + aiohttp, bench/bare_proxy.py) in front of notes-service. For each
measurement: req/s, p50/p99, and the CPU time per request of every process
involved (utime + stime from /proc/<pid>/stat, over the wrk run). Then the
same reads with 2 workers per process. Prints a table and the goals of issue
12 (held or not: printed, never asserted) and writes it all as JSON under
bench/results/. `--quick` runs the same steps on a tiny data set, for the
test that keeps this script working.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

# The services' launcher (deploy/run_local.py), for the modules below that start them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))

from run_local import LocalSystem

from data import seed
from goals import load_baseline, mixed_goals
from harness import harness
from memory import gc_collections, rss_mib
from phases import curve, endpoints, logins, mixed, search, webhooks, workers
from phases.request_context import request_context_cost_us
from phases.token_checks import token_check_costs_us
from platform_common.testing.postgres import temporary_database
from plot import curve_svg
from report import curve_lines, goal_lines, mixed_lines, summarize, webhook_lines
from settings import FULL, QUICK, ROOT, Profile
from system import running_system


def benchmark(
    system: LocalSystem, database_url: str, profile: Profile, folder: Path
) -> dict[str, Any]:
    """Every phase, in order, on one running system: the report."""
    with harness(system, database_url, profile, folder) as bench:
        small, results = endpoints.measure(bench)
        big_owner = search.big_owner(bench)
        results += search.measure(bench, big_owner)
        report: dict[str, Any] = {
            "results": [asdict(r) for r in results],
            "list_small_table": asdict(small),
        }
        # Issue 32, the tail: reads beside a search flood, the search bulkhead off and on.
        report["search_flood"] = search.flood(bench, big_owner)
        report["mixed"] = mixed.measure(bench)
        report["curve"] = curve.measure(bench, mixed.data_file(bench))
        report["login"], report["read_during_login_burst"], report["auth_rss_after_burst_mib"] = (
            logins.measure(bench)
        )
        # Issue 30: note changes delivered as webhooks (needs notes-service's publisher).
        report["webhooks"] = webhooks.measure(bench)
        report["rss_mib"] = rss_mib(system)
        report["gc_collections"] = gc_collections(system)
        report["workers_2"] = workers.measure(bench)
    report["profile"] = asdict(profile)
    report["request_context_us"] = request_context_cost_us(profile.probe_calls)
    report["token_check_us"] = token_check_costs_us(profile.probe_calls)
    return report


def alone(
    system: LocalSystem, database_url: str, profile: Profile, folder: Path, phase: str
) -> dict[str, Any]:
    """One phase on its own (`--only`): the table it needs seeded, the others skipped."""
    with harness(system, database_url, profile, folder) as bench:
        report: dict[str, Any] = {"profile": asdict(profile), "only": phase}
        if phase == "mixed":
            asyncio.run(seed(database_url, bench.owner, profile, total=profile.table_notes))
            report["mixed"] = mixed.measure(bench)
            report["curve"] = curve.measure(bench, mixed.data_file(bench))
        elif phase in ("search", "logins"):
            # Both read the bench user's notes beside their load, as in the full run.
            asyncio.run(seed(database_url, bench.owner, profile, total=profile.table_notes))
            endpoints.write_read_script(bench, endpoints.read_ids(bench))
            if phase == "search":
                report["search_flood"] = search.flood(bench, search.big_owner(bench))
            else:
                report["login"], report["read_during_login_burst"], _ = logins.measure(bench)
        else:
            report["webhooks"] = webhooks.measure(bench)
    return report


def summarize_alone(report: dict[str, Any]) -> str:
    report["goals"] = []
    if report["only"] == "webhooks":
        return "\n".join(webhook_lines(report, report["webhooks"]))
    if report["only"] == "search":
        return "\n".join(search.flood_lines(report["search_flood"]))
    if report["only"] == "logins":
        return "\n".join(logins.burst_lines(report["login"], report["read_during_login_burst"]))
    lines = mixed_lines(report["mixed"]) + curve_lines(report["curve"])
    lines.append("Goals of issue 32 (the mixed workload, this run):")
    return "\n".join(lines + goal_lines(report, mixed_goals(report["mixed"])))


def run_system(database_url: str, profile: Profile, only: str | None) -> dict[str, Any]:
    with running_system(database_url) as (system, folder):
        if only:
            return alone(system, database_url, profile, folder, only)
        return benchmark(system, database_url, profile, folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny data set, short runs")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--seconds", type=int, help="length of each wrk run (overrides)")
    parser.add_argument("--rounds", type=int, help="rounds of each measurement (overrides)")
    parser.add_argument(
        "--only",
        choices=("mixed", "webhooks", "search", "logins"),
        help="one phase alone (mixed: and the curve; search: the search flood)",
    )
    args = parser.parse_args()
    profile = QUICK if args.quick else FULL
    overrides = {"seconds": args.seconds, "rounds": args.rounds}
    profile = dataclasses.replace(profile, **{k: v for k, v in overrides.items() if v})

    async def run() -> dict[str, Any]:
        async with temporary_database("bench") as database_url:
            return await asyncio.to_thread(run_system, database_url, profile, args.only)

    report = asyncio.run(run())
    if args.only:
        table = summarize_alone(report)
    else:
        table = "\n".join(
            [
                summarize(report, load_baseline()),
                *search.flood_lines(report["search_flood"]),
                *logins.burst_lines(report["login"], report["read_during_login_burst"]),
            ]
        )
    print(table)
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    title = f"GET /notes/{{id}} through the gateway, open loop ({path.stem})"
    if "curve" in report:
        path.with_suffix(".svg").write_text(curve_svg(report["curve"], title))
    print(f"written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
