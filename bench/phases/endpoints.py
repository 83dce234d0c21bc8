"""Each endpoint through the gateway and straight to notes-service, beside the references:
the list page on a small table first, then everything on the full one, interleaved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from data import seed
from harness import Harness
from load import lua_script, run_wrk
from meter import Measurement, median_of


def create_notes(gateway: str, headers: dict[str, str], count: int) -> list[int]:
    body = {"title": "bench note", "description": "to be replaced"}
    return [
        int(httpx.post(f"{gateway}/notes/", json=body, headers=headers).json()["id"])
        for _ in range(count)
    ]


PAT_READ = "GET /notes/{id} (PAT)"


def personal_token_auth(gateway: str, headers: dict[str, str]) -> dict[str, str]:
    """A notes:read personal access token of the bench user, as a bearer header."""
    body = {"name": "bench", "scopes": ["notes:read"], "expires_in": 86400}
    created = httpx.post(f"{gateway}/auth/me/tokens", json=body, headers=headers)
    created.raise_for_status()
    return {"Authorization": f"Bearer {created.json()['token']}"}


def measure(bench: Harness) -> tuple[Measurement, list[Measurement]]:
    """The list page on the small table, and every endpoint's median on the full one."""
    profile, folder, gateway = bench.profile, bench.folder, bench.gateway
    asyncio.run(seed(bench.database_url, bench.owner, profile, total=profile.user_notes + 1000))
    list_script = lua_script(
        folder, "list", method="GET", headers=bench.auth, paths=["/notes/?limit=50"]
    )
    small = bench.meter.median("GET /notes/ (small table)", "gateway", gateway, list_script)
    asyncio.run(seed(bench.database_url, bench.owner, profile, total=profile.table_notes))
    plans = plan(bench, list_script)
    for _, script, targets in plans:  # pools filled, code paths warm: not measured
        for _, url in targets:
            run_wrk(url, script, profile, 1)
    samples: dict[tuple[str, str], list[Measurement]] = {}
    for _ in range(profile.rounds):  # interleaved, so drift hits every target alike
        for name, script, targets in plans:
            for target, url in targets:
                samples.setdefault((name, target), []).append(
                    bench.meter.measure(name, target, url, script)
                )
    return small, [median_of(s) for s in samples.values()]


def write_script(
    bench: Harness, name: str, method: str, description: str, paths: list[str]
) -> Path:
    """A wrk script that writes a note (`method` on each of `paths`)."""
    body = json.dumps({"title": "bench note", "description": description})
    return lua_script(
        bench.folder, name, method=method, headers=bench.json_auth, body=body, paths=paths
    )


def plan(bench: Harness, list_script: Path) -> list[tuple[str, Path, list[tuple[str, str]]]]:
    """Each endpoint: its wrk script and the targets it is measured on (name, URL)."""
    gateway, notes, folder, refs = bench.gateway, bench.notes, bench.folder, bench.refs
    ids = read_ids(bench)
    writer_ids = create_notes(gateway, bench.json_auth, 50)
    read_script = write_read_script(bench, ids)
    minimal = f"http://127.0.0.1:{refs.minimal_port}"
    # The same reads with a personal access token (issue 28): its gateway CPU
    # beside the JWT's (goal: at most 1.3x at steady state).
    pat_script = lua_script(
        folder,
        "read-pat",
        method="GET",
        headers=personal_token_auth(gateway, bench.auth),
        paths=[f"/notes/{i}" for i in ids],
    )
    return [
        (
            "GET /notes/{id}",
            read_script,
            [
                ("minimal", minimal),
                ("nginx>minimal", f"http://127.0.0.1:{refs.nginx_minimal_port}"),
                ("direct", notes),
                ("nginx>notes", f"http://127.0.0.1:{refs.nginx_notes_port}"),
                ("bare>notes", f"http://127.0.0.1:{refs.bare_proxy_port}"),
                ("gateway", gateway),
            ],
        ),
        (PAT_READ, pat_script, [("gateway", gateway)]),
        ("GET /notes/", list_script, [("gateway", gateway), ("direct", notes)]),
        (
            "POST /notes/",
            write_script(bench, "create", "POST", "written by wrk", ["/notes/"]),
            [("gateway", gateway), ("direct", notes)],
        ),
        (
            "PUT /notes/{id}",
            write_script(
                bench, "replace", "PUT", "rewritten by wrk", [f"/notes/{i}" for i in writer_ids]
            ),
            [("gateway", gateway), ("direct", notes)],
        ),
    ]


def read_ids(bench: Harness) -> list[int]:
    """The bench user's first 100 notes: what `GET /notes/{id}` reads."""
    answer = httpx.get(f"{bench.gateway}/notes/?limit=100", headers=bench.auth)
    return [note["id"] for note in answer.json()]


def write_read_script(bench: Harness, ids: list[int]) -> Path:
    """`GET /notes/{id}` of `ids`, where the later phases find it (bench.read_script)."""
    return lua_script(
        bench.folder,
        bench.read_script.stem,
        method="GET",
        headers=bench.auth,
        paths=[f"/notes/{i}" for i in ids],
    )
