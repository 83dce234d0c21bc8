"""Gateway variants side by side: CPU per proxied request of each against the bare proxy's.

A tool for working on the gateway's cost (issue 32's goal: <= 1.15x the bare
proxy's), not a phase of `make bench`. Each variant is a tree holding
`gateway/` and `common/` (e.g. `git archive <commit> gateway common | tar -x
-C <dir>`); each runs as a gateway process of its own, in front of the same
notes-service, auth-service and database as the bench's system, and the bare
proxy (bench/bare_proxy.py) beside them. Every target runs bench/mixed.lua's
mix with the same seed, in rounds, the order of the targets rotated each
round; what each target's process spent is read around its run. Printed: per
round the CPU µs per request of each target and its ratio to the bare proxy's
in that round, then the medians.

    .venv/bin/python bench/gateway_ab.py --stub --variant base=/tmp/gw-base --variant new=.

`--variant-env name:VARIABLE=value` sets a variable for one variant's process;
`--profile name` samples a target with py-spy (`PY_SPY`: its path) and counts
its system calls with strace after the rounds (files under `PROFILER_DIR`);
`AB_LOG=<file>` keeps the variants' output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))

from run_local import UVICORN_FLAGS, free_port

from cpu import CLOCK_TICKS, process_tree
from data import seed
from harness import Harness, harness
from load import parse_wrk, run_wrk_timed, wrk_command
from people import (
    Person,
    access_token_signer,
    add_accounts,
    notes_of,
    people,
    write_data_file,
)
from phases.mixed import SCRIPT, ZIPF_EXPONENT, load_results
from platform_common.testing.postgres import temporary_database
from references import wait_answering
from settings import FULL
from system import running_system


@dataclass
class Target:
    name: str
    url: str
    pid: int


@dataclass
class Run:
    target: str
    requests: int
    rps: float
    cpu_us: float
    system_us: float  # of cpu_us, in the kernel
    wrk_us: float
    unexpected: int
    statuses: dict[str, dict[int, int]]


def start_variant(env: dict[str, str], tree: Path, port: int) -> subprocess.Popen[bytes]:
    """A gateway from `tree`'s sources (ahead of the installed ones on sys.path)."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "gateway.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *UVICORN_FLAGS,
    ]
    path = f"{tree / 'gateway'}{os.pathsep}{tree / 'common'}"
    log = os.environ.get("AB_LOG")  # a file for the variants' output, else none
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child's
    process = subprocess.Popen(
        command,
        cwd=tree / "gateway",
        env={**env, "PYTHONPATH": path},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    wait_answering(f"http://127.0.0.1:{port}/health/live", process)
    return process


# What the stub keeps of each canned answer (nginx adds its own Date and Server).
_STUB_HEADERS = ("content-type", "etag", "link", "x-total-count", "location")


def canned_answers(
    notes: str, token: str, person_token: str, note: int
) -> dict[str, httpx.Response]:
    """notes-service's real answers to the mix's kinds of request (the stub replays them)."""
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=notes, timeout=10) as client:
        created = client.post(
            "/notes/",
            json={"title": "mixed 1", "description": "written by the mixed workload"},
            headers={**bearer, "Idempotency-Key": "ab-1"},
        )
        return {
            "read": client.get(
                f"/notes/{note}", headers={"Authorization": f"Bearer {person_token}"}
            ),
            "list": client.get("/notes/?limit=50&offset=0", headers=bearer),
            "search": client.get(
                "/notes/?q=doctor&limit=10", headers={"Authorization": f"Bearer {person_token}"}
            ),
            "create": created,
        }


def _headers(answer: httpx.Response) -> str:
    return "".join(
        f"add_header {name} '{answer.headers[name]}' always; "
        for name in _STUB_HEADERS
        if name in answer.headers and name != "content-type"
    )


def _nginx_return(answer: httpx.Response) -> str:
    body = answer.text
    assert "$" not in body  # nginx would read a variable
    assert "'" not in body
    assert len(body) < 2000  # nginx's limit on one parameter is 4 KiB
    return f"{_headers(answer)}return {answer.status_code} '{body}';"


def stub_config(
    folder: Path, port: int, write_port: int, answers: dict[str, httpx.Response]
) -> str:
    """nginx answering as notes-service would, from `answers`, without its work."""
    temp = "".join(
        f"{kind}_temp_path {folder / kind}; "
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    for name in ("list", "search"):
        (folder / f"{name}.json").write_bytes(answers[name].content)
    assert all(answer.status_code in (200, 201) for answer in answers.values()), answers
    # Writes go through a second server, which nginx's proxy gives the whole
    # body first, as notes-service reads it before answering (an answer to a
    # body still on its way makes aiohttp drop the connection).
    writes = "if ($request_method != GET) { rewrite ^ /_write last; }"
    return f"""
daemon off;
worker_processes 1;
pid {folder / "stub.pid"};
events {{ worker_connections 1024; }}
http {{
    access_log off;
    {temp}
    default_type application/json;
    keepalive_requests 1000000;
    etag off;
    upstream writes {{ server 127.0.0.1:{write_port}; keepalive 64; }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header If-Match "";
    server {{
        listen 127.0.0.1:{port};
        root {folder};
        location = /notes/ {{
            if ($request_method = POST) {{ rewrite ^ /_create last; }}
            if ($arg_q) {{ rewrite ^ /search.json last; }}
            rewrite ^ /list.json last;
        }}
        location = /_create {{ internal; proxy_pass http://writes; }}
        location = /_write {{ internal; proxy_pass http://writes/notes/1; }}
        location = /search.json {{ internal; {_headers(answers["search"])} }}
        location = /list.json {{ internal; {_headers(answers["list"])} }}
        location /notes/ {{
            {writes}
            {_nginx_return(answers["read"])}
        }}
        location / {{ return 200 '{{"status":"ok"}}'; }}
    }}
    server {{
        listen 127.0.0.1:{write_port};
        location / {{ {_nginx_return(answers["create"])} }}
        location /notes/ {{ {_nginx_return(answers["read"])} }}
    }}
}}
"""


def start_stub(
    folder: Path, answers: dict[str, httpx.Response]
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = folder / "stub.conf"
    config.write_text(stub_config(folder, port, free_port(), answers))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-e", str(folder / "stub-error.log"), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_answering(f"http://127.0.0.1:{port}/notes/1", process)
    return process, port


def _user_system(pids: list[int]) -> tuple[float, float]:
    user = system = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user += int(fields[11]) / CLOCK_TICKS
        system += int(fields[12]) / CLOCK_TICKS
    return user, system


def run_mix(target: Target, data: Path, folder: Path, mode: str, seconds: int, seed: int) -> Run:
    results = folder / f"ab-{target.name}-{mode}.txt"
    args = (str(data), mode, str(ZIPF_EXPONENT), str(results), "", str(seed), "0")
    command = wrk_command(target.url, SCRIPT, FULL.connections, seconds, args)
    pids = process_tree(target.pid)
    before = _user_system(pids)
    output, wrk_seconds = run_wrk_timed(command)
    after = _user_system(pids)
    used = after[0] + after[1] - before[0] - before[1]
    rps, _, _, _, requests = parse_wrk(output)
    operations = load_results(results)
    unexpected = sum(op["unexpected"] for op in operations.values())
    statuses = {name: op["statuses"] for name, op in operations.items()}
    per = max(requests, 1)
    system_us = (after[1] - before[1]) / per * 1e6
    return Run(
        target.name,
        requests,
        rps,
        used / per * 1e6,
        system_us,
        wrk_seconds / per * 1e6,
        unexpected,
        statuses,
    )


def profile_target(target: Target, data: Path, folder: Path, seconds: int, seed: int) -> None:
    """py-spy (--native, raw stacks) over one run of the mix, strace -c over another."""
    out = Path(os.environ.get("PROFILER_DIR") or tempfile.gettempdir())
    spy = os.environ.get("PY_SPY", "py-spy")
    sampler = subprocess.Popen(
        [
            *(spy, "record", "-p", str(target.pid), "-d", str(seconds), "-r", "100"),
            *("--native", "--nonblocking", "-f", "raw", "-o", str(out / f"spy-{target.name}.txt")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run = run_mix(target, data, folder, "mix", seconds + 1, seed)
    sampler.wait()
    print(f"profiled {target.name}: {run}")
    tracer = subprocess.Popen(
        ["strace", "-c", "-f", "-p", str(target.pid), "-o", str(out / f"strace-{target.name}.txt")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    run = run_mix(target, data, folder, "mix", seconds, seed)
    tracer.terminate()
    tracer.wait()
    print(f"straced {target.name}: {run}")


def report(rounds: list[tuple[float, list[Run]]]) -> str:
    names = [run.target for run in rounds[0][1]]
    names.sort(key=lambda n: (n != "bare", n))
    lines = [
        "round  load  " + "  ".join(f"{n:>25}" for n in names),
        "             " + "  ".join(f"{'req/s µs/req (sys) ratio':>25}" for _ in names),
    ]
    ratios: dict[str, list[float]] = {n: [] for n in names}
    costs: dict[str, list[float]] = {n: [] for n in names}
    for number, (load, runs) in enumerate(rounds, 1):
        by = {run.target: run for run in runs}
        bare = by["bare"].cpu_us
        cells = []
        for name in names:
            run = by[name]
            ratio = run.cpu_us / bare
            ratios[name].append(ratio)
            costs[name].append(run.cpu_us)
            flag = "!" if run.unexpected else " "
            cost = f"{run.cpu_us:6.1f} {run.system_us:5.1f}"
            cells.append(f"{run.rps:6.0f} {cost} {ratio:5.2f}{flag}")
        lines.append(f"{number:5d}  {load:4.1f}  " + "  ".join(cells))
    lines.append(
        "median       "
        + "  ".join(
            f"{'':6} {statistics.median(costs[n]):6.1f} {'':5} {statistics.median(ratios[n]):5.2f} "
            for n in names
        )
    )
    return "\n".join(lines)


def use_stub(
    bench: Harness, everyone: list[Person], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """The stub in notes-service's place, for the gateways (`env`) and the bare proxy."""
    answers = canned_answers(
        bench.notes,
        bench.auth["Authorization"].removeprefix("Bearer "),
        everyone[0].token,
        everyone[0].notes[0],
    )
    stub_folder = Path(tempfile.mkdtemp(prefix="ab-stub-"))
    stub_folder.chmod(0o755)  # nginx's workers (another user under root) read it
    stub, stub_port = start_stub(stub_folder, answers)
    upstreams = json.loads(env["GATEWAY_UPSTREAMS"])
    for entry in upstreams:
        if entry["name"] == "notes-service":
            entry["urls"] = [f"http://127.0.0.1:{stub_port}"]
    env["GATEWAY_UPSTREAMS"] = json.dumps(upstreams)
    bench.refs.stop()
    bench.refs.notes_port = stub_port
    bench.refs.start_bare_proxy()
    return stub


def run_rounds(
    targets: list[Target], data: Path, folder: Path, seconds: int, rounds: int, seed: int
) -> list[tuple[float, list[Run]]]:
    """The mix through every target in each round, the order rotated round by round."""
    done = []
    for number in range(rounds):
        order = targets[number % len(targets) :] + targets[: number % len(targets)]
        runs = [run_mix(t, data, folder, "mix", seconds, seed) for t in order]
        done.append((os.getloadavg()[0], runs))
        for run in runs:
            if run.unexpected and run.target != "bare":
                print(f"  {run.target}: {run.unexpected} unexpected, {run.statuses}")
        print(f"round {number + 1} done {time.strftime('%H:%M:%S')}", flush=True)
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", action="append", default=[], help="name=tree")
    parser.add_argument(
        "--variant-env", action="append", default=[], help="name:VARIABLE=value, for one variant"
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=200_000)
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        help="a target (bare or a variant) to sample with py-spy and count syscalls of with "
        "strace, under the mix, after the rounds (PROFILER_DIR: where the files go)",
    )
    parser.add_argument(
        "--stub",
        action="store_true",
        help="notes-service's answers replayed by nginx: the proxies alone are the bottleneck",
    )
    args = parser.parse_args()
    variants = {n: Path(t).resolve() for n, t in (v.split("=", 1) for v in args.variant)}
    variant_env: dict[str, dict[str, str]] = {name: {} for name in variants}
    for each in args.variant_env:
        name, setting = each.split(":", 1)
        key, value = setting.split("=", 1)
        variant_env[name][key] = value
    profile = replace(FULL, users=args.people, table_notes=args.notes, user_notes=100)

    async def run() -> None:
        async with temporary_database("gwab") as database_url:
            await asyncio.to_thread(measure, database_url)

    def measure(database_url: str) -> None:
        with (
            running_system(database_url) as (system, folder),
            harness(system, database_url, profile, folder) as bench,
        ):
            asyncio.run(seed(database_url, bench.owner, profile, total=profile.table_notes))
            asyncio.run(add_accounts(database_url, profile.users, bench.email))
            notes = asyncio.run(notes_of(database_url, profile.users))
            sign = access_token_signer(folder, bench.auth["Authorization"].removeprefix("Bearer "))
            data = write_data_file(folder / "ab-people.txt", people(notes, {"access": sign}))
            env = system._env()
            processes = []
            if args.stub:
                processes.append(use_stub(bench, people(notes, {"access": sign}), env))
            assert bench.refs.bare_proxy is not None
            bare_url = f"http://127.0.0.1:{bench.refs.bare_proxy_port}"
            targets = [Target("bare", bare_url, bench.refs.bare_proxy.pid)]
            try:
                for name, tree in variants.items():
                    port = free_port()
                    process = start_variant({**env, **variant_env[name]}, tree, port)
                    processes.append(process)
                    targets.append(Target(name, f"http://127.0.0.1:{port}", process.pid))
                for target in targets:  # every token verified once in each process
                    run_mix(target, data, folder, "warm", args.seconds, 1)
                mix_seed = random.randrange(1 << 30)
                rounds = run_rounds(targets, data, folder, args.seconds, args.rounds, mix_seed)
                print(f"load average at end: {os.getloadavg()}")
                print(report(rounds))
                for name in args.profile:
                    target = next(t for t in targets if t.name == name)
                    profile_target(target, data, folder, args.seconds, mix_seed)
            finally:
                for process in processes:
                    process.terminate()
                    process.wait(15)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
