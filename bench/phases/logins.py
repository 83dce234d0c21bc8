"""Login throughput, reads during a login burst, and auth-service's RSS after a long one."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from accounts import PASSWORD
from harness import Harness
from load import lua_script, run_wrk, start_wrk
from memory import rss_mib
from meter import Measurement, Meter
from settings import Profile


def login_burst(
    meter: Meter, gateway: str, read: Path, login_script: Path, profile: Profile
) -> Measurement:
    """GET /notes/{id} latency while another wrk hammers the login endpoint."""
    hammer = start_wrk(gateway, login_script, profile, profile.seconds + 2)
    try:
        time.sleep(1)
        return meter.measure("GET /notes/{id} during logins", "gateway", gateway, read)
    finally:
        hammer.wait()


def measure(bench: Harness) -> tuple[dict[str, Any], dict[str, Any], float]:
    profile, gateway = bench.profile, bench.gateway
    login_script = lua_script(
        bench.folder,
        "login",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"grant_type=password&username={bench.email}&password={PASSWORD}",
        paths=["/auth/token"],
    )
    logins = bench.meter.median("POST /auth/token", "login", gateway, login_script)
    burst = login_burst(bench.meter, gateway, bench.read_script, login_script, profile)
    # Issue 12: auth-service's memory after a burst of profile.burst_seconds (30 s).
    run_wrk(gateway, login_script, profile, profile.burst_seconds)
    auth_rss = rss_mib(bench.system)["auth-service"]
    return asdict(logins), asdict(burst), auth_rss
