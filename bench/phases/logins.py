"""Login throughput, reads during a login burst, and auth-service's RSS after a long one."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from accounts import PASSWORD
from harness import Harness
from load import lua_script, parse_wrk, run_wrk, start_wrk_measured
from memory import rss_mib
from meter import Measurement, Meter
from settings import Profile


def login_burst(
    meter: Meter, gateway: str, read: Path, login_script: Path, profile: Profile
) -> tuple[Measurement, dict[str, float]]:
    """GET /notes/{id} latency while another wrk hammers the login endpoint; and the
    logins' own figures over the burst."""
    hammer = start_wrk_measured(gateway, login_script, profile, profile.seconds + 2)
    try:
        time.sleep(1)
        reads = meter.measure("GET /notes/{id} during logins", "gateway", gateway, read)
    finally:
        output, _ = hammer.communicate()
    rps, p50, p99, errors, _ = parse_wrk(output)
    logins = {"requests_per_second": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors}
    return reads, logins


def measure(bench: Harness) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Logins alone; reads during a burst of them (the burst's logins in its
    `logins_during_burst`); auth-service's RSS after a long burst."""
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
    burst, burst_logins = login_burst(
        bench.meter, gateway, bench.read_script, login_script, profile
    )
    # Issue 12: auth-service's memory after a burst of profile.burst_seconds (30 s).
    run_wrk(gateway, login_script, profile, profile.burst_seconds)
    auth_rss = rss_mib(bench.system)["auth-service"]
    return asdict(logins), {**asdict(burst), "logins_during_burst": burst_logins}, auth_rss


def burst_lines(login: dict[str, Any], burst: dict[str, Any]) -> list[str]:
    logins = burst["logins_during_burst"]
    return [
        "Login burst: logins alone, then reads and logins together:",
        f"  POST /auth/token alone       {login['requests_per_second']:>7.0f} req/s"
        f"  p50 {login['p50_ms']:.2f} ms  p99 {login['p99_ms']:.2f} ms",
        f"  POST /auth/token in burst    {logins['requests_per_second']:>7.0f} req/s"
        f"  p50 {logins['p50_ms']:.2f} ms  p99 {logins['p99_ms']:.2f} ms"
        f"  errors {logins['errors']}",
        f"  GET /notes/{{id}} in burst    {burst['requests_per_second']:>7.0f} req/s"
        f"  p50 {burst['p50_ms']:.2f} ms  p99 {burst['p99_ms']:.2f} ms  errors {burst['errors']}",
    ]
