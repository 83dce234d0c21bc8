"""Where one service spends its CPU under wrk: a py-spy profile, summarised.

    .venv/bin/pip install py-spy     # not a dependency: only this script uses it
    .venv/bin/python bench/profile.py notes-service            # GET /notes/{id}, direct
    .venv/bin/python bench/profile.py gateway                  # the same, through the gateway
    .venv/bin/python bench/profile.py notes-service --path "/notes/?limit=50"

Starts the system like bench/run.py (small data set), runs wrk at the
service while `py-spy record` samples it, then prints the functions with the
most samples, inclusive ("in") and exclusive ("self"), as shares of all
samples, and writes the raw collapsed stacks (for a flame graph) under
bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

# The services' launcher (deploy/run_local.py) beside the bench's own modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))

from run_local import LocalSystem, free_ports

from accounts import register, user_id_of
from data import seed
from load import lua_script
from platform_common.testing.postgres import temporary_database
from settings import QUICK, ROOT


def summarise(collapsed: Path, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        # "function (file:line)": lines of one function count together.
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        total += count
        exclusive[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(lines)


def profile(
    system: LocalSystem, database_url: str, service: str, path: str | None, seconds: int
) -> Path:
    gateway = system.url("gateway")
    _, token = register(gateway, "profile")
    owner = user_id_of(gateway, token)
    asyncio.run(seed(database_url, owner, QUICK, total=2000))
    auth = {"Authorization": f"Bearer {token}"}
    ids = [n["id"] for n in httpx.get(f"{gateway}/notes/?limit=50", headers=auth).json()]
    folder = Path(tempfile.mkdtemp(prefix="profile-"))
    paths = [path] if path else [f"/notes/{i}" for i in ids]
    script = lua_script(folder, "target", method="GET", headers=auth, paths=paths)
    url = system.url(service)
    wrk = subprocess.Popen(
        ["wrk", "-t1", "-c32", f"-d{seconds + 3}s", "-s", str(script), url],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(2)  # warm
    out = ROOT / "bench" / "results" / f"profile-{service}-{time.strftime('%H%M%S')}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(system.processes[service].pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    wrk.wait()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=["notes-service", "gateway", "auth-service"])
    parser.add_argument("--path", help="one path to request (default: GET /notes/{id})")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    async def run() -> Path:
        async with temporary_database("profile") as database_url:
            return await asyncio.to_thread(start_and_profile, database_url, args)

    def start_and_profile(database_url: str, args: Any) -> Path:
        with tempfile.TemporaryDirectory(prefix="profile-") as data:
            system = LocalSystem(
                database_url=database_url,
                ports=free_ports(),
                extra_env={"PLATFORM_DATA_DIR": data, "GATEWAY_RATE_LIMIT": "100000000/minute"},
                quiet=True,
            )
            system.migrate()
            try:
                system.start_all()
                return profile(system, database_url, args.service, args.path, args.seconds)
            finally:
                system.stop_all()

    collapsed = asyncio.run(run())
    print(summarise(collapsed, args.top))
    print(f"collapsed stacks: {collapsed}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
