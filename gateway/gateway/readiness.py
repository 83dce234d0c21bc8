"""Whether the gateway can serve: its upstreams answer, its keys and revocation list are loaded.

Internal clients (GATEWAY_INTERNAL_NETWORKS) get the detailed report through
the shared health router, checked afresh on every call (probes and operators
want now, and are few); everyone else learns ready or not and nothing more
(upstream state, breaker state and key counts help an attacker, not a client),
from an answer shared for GATEWAY_PUBLIC_READINESS_CACHE_SECONDS: the public
cannot turn its calls into one upstream call per replica each.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import Request
from starlette.responses import JSONResponse

from gateway.balancer import Replica
from gateway.proxy import Upstream
from gateway.state import GatewayState

READINESS_PATH = "/health/ready"


async def _replica_check(
    upstream: Upstream, replica: Replica, limit_seconds: float
) -> dict[str, Any]:
    started = time.perf_counter()
    state = {
        "url": replica.url,
        "circuit": replica.breaker.state,
        "draining": replica.draining(time.monotonic()),
        "in_flight": replica.outstanding,
    }
    try:
        response = await upstream.client.get(replica.url + "/health/live", timeout=limit_seconds)
    except httpx.HTTPError as exc:
        return {"ok": False, "error": type(exc).__name__, **state}
    return {
        "ok": response.status_code == 200,
        "status": response.status_code,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        **state,
    }


async def _upstream_check(upstream: Upstream, limit_seconds: float) -> dict[str, Any]:
    """Each replica's state; the upstream can serve while one of them answers."""
    replicas = await asyncio.gather(
        *(_replica_check(upstream, replica, limit_seconds) for replica in upstream.replicas)
    )
    return {"ok": any(each["ok"] for each in replicas), "replicas": list(replicas)}


async def _jwks_check(gateway: GatewayState) -> dict[str, Any]:
    if gateway.jwks.age is None:
        await gateway.jwks.refresh()  # at most once per refetch floor
    age = gateway.jwks.age
    return {
        "ok": age is not None,
        "age_seconds": None if age is None else round(age, 1),
        "keys": len(list(gateway.jwks.key_ids)),
    }


async def readiness_checks(gateway: GatewayState) -> dict[str, dict[str, Any]]:
    """One entry per dependency, each with a boolean `ok`."""
    checks = await asyncio.gather(
        *(_upstream_check(u, gateway.health_timeout) for u in gateway.upstreams)
    )
    report = {u.name: check for u, check in zip(gateway.upstreams, checks, strict=True)}
    report["jwks"] = await _jwks_check(gateway)
    if gateway.revocations is not None:
        # Tokens are refused until the list has loaded once (fail closed), so
        # an instance without it cannot serve.
        report["revocations"] = {"ok": gateway.revocations.loaded}
    return report


async def readiness(request: Request) -> dict[str, Any]:
    """The detailed report, for `platform_common.health.health_router`."""
    return await readiness_checks(request.app.state.gateway)


async def _all_ok(gateway: GatewayState) -> bool:
    return all(check["ok"] for check in (await readiness_checks(gateway)).values())


async def public_readiness(gateway: GatewayState) -> JSONResponse:
    """Ready or not, as checked at most once per GATEWAY_PUBLIC_READINESS_CACHE_SECONDS
    for every public caller (gateway.cached_check)."""
    if await gateway.public_readiness.get(lambda: _all_ok(gateway)):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable"}, status_code=503)
