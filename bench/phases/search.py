"""Issue 14: search and sorted cursor pages of a user with 10x the bench user's notes.

Compared (p99) with the plain list page ("GET /notes/") in the report: the goal is within 2x.
Issue 32, the tail: reads while that user's searches flood notes-service, with the
search bulkhead off and on (`flood`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from typing import Any

import httpx

from accounts import register, user_id_of
from data import SEARCH_WORDS, seed_big_owner
from harness import Harness
from load import lua_script, parse_wrk, run_wrk, start_wrk_measured
from meter import Measurement

# NOTES_SEARCH_CONCURRENCY of each sub-run of the flood: unbounded, 2, the default (4).
FLOOD_SETTINGS = {"off": "0", "2": "2", "default": None}


def follow_links(gateway: str, first: str, headers: dict[str, str], pages: int) -> list[str]:
    """The paths of the first `pages` cursor pages, from rel="next" links."""
    paths = [first]
    while len(paths) < pages:
        response = httpx.get(gateway + paths[-1], headers=headers, timeout=30)
        response.raise_for_status()
        following = response.links.get("next")
        if following is None:
            break
        paths.append(following["url"])
    return paths


def big_owner(bench: Harness) -> dict[str, str]:
    """The headers of a user with 10x the bench user's notes, registered and seeded."""
    _, token = register(bench.gateway, "bench-big")
    asyncio.run(
        seed_big_owner(
            bench.database_url, user_id_of(bench.gateway, token), bench.profile.user_notes * 10
        )
    )
    return {"Authorization": f"Bearer {token}"}


def measure(bench: Harness, headers: dict[str, str]) -> list[Measurement]:
    gateway = bench.gateway
    pages = {
        "GET /notes/?q= (search)": [f"/notes/?q={word}&limit=50" for word in SEARCH_WORDS],
        "GET /notes/?sort=-updated_date&cursor=": follow_links(
            gateway, "/notes/?sort=-updated_date&limit=50", headers, 20
        ),
        "GET /notes/?sort=title&cursor=": follow_links(
            gateway, "/notes/?sort=title&limit=50", headers, 20
        ),
        "GET /notes/?q=&cursor= (search pages)": follow_links(
            gateway, "/notes/?q=garden&limit=50", headers, 20
        ),
    }
    results = []
    for number, (name, paths) in enumerate(pages.items()):
        script = lua_script(
            bench.folder, f"search-{number}", method="GET", headers=headers, paths=paths
        )
        results.append(bench.meter.median(name, "gateway", gateway, script))
    return results


def _restart_notes(bench: Harness, search_concurrency: str | None) -> None:
    system = bench.system
    system.stop("notes-service")
    system.extra_env.pop("NOTES_SEARCH_CONCURRENCY", None)
    if search_concurrency is not None:
        system.extra_env["NOTES_SEARCH_CONCURRENCY"] = search_concurrency
    system.start("notes-service")
    system.wait_ready("notes-service")
    # The gateway's connections to the old process, and the new one's first requests.
    run_wrk(bench.gateway, bench.read_script, bench.profile, 1)


def _flooded(bench: Harness, flood_script: Any) -> dict[str, Any]:
    """Reads measured while the big owner's searches flood (both through the gateway)."""
    profile = bench.profile
    flood = start_wrk_measured(bench.gateway, flood_script, profile, profile.seconds + 2)
    try:
        time.sleep(1)
        reads = bench.meter.measure(
            "GET /notes/{id} during searches", "gateway", bench.gateway, bench.read_script
        )
    finally:
        output, _ = flood.communicate()
    rps, p50, p99, refused, _ = parse_wrk(output)
    searches = {"requests_per_second": rps, "p50_ms": p50, "p99_ms": p99, "non_2xx": refused}
    return {"reads": asdict(reads), "searches": searches}


def flood(bench: Harness, headers: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Each setting in turn, `rounds` times (interleaved): its sub-runs, by setting."""
    script = lua_script(
        bench.folder,
        "search-flood",
        method="GET",
        headers=headers,
        paths=[f"/notes/?q={word}&limit=50" for word in SEARCH_WORDS],
    )
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in FLOOD_SETTINGS}
    try:
        for _ in range(bench.profile.rounds):
            for name, setting in FLOOD_SETTINGS.items():
                _restart_notes(bench, setting)
                runs[name].append(_flooded(bench, script))
    finally:
        _restart_notes(bench, None)  # the later phases measure the default
    return runs


def flood_lines(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The table of `flood`: each sub-run's reads and searches, by setting."""
    lines = [
        "Search flood (the big owner's searches beside GET /notes/{id}), by bulkhead:",
        f"{'bulkhead':<10}{'reads/s':>9}{'read p50':>10}{'read p99':>10}"
        f"{'searches/s':>12}{'search p50':>12}{'search p99':>12}{'503s':>7}",
    ]
    for name, each in runs.items():
        for run in each:
            reads, searches = run["reads"], run["searches"]
            lines.append(
                f"{name:<10}{reads['requests_per_second']:>9.0f}{reads['p50_ms']:>10.2f}"
                f"{reads['p99_ms']:>10.2f}{searches['requests_per_second']:>12.0f}"
                f"{searches['p50_ms']:>12.2f}{searches['p99_ms']:>12.2f}{searches['non_2xx']:>7}"
            )
    return lines
