"""`/ping`, `/health/live`, `/health/ready` and `/metrics`, the same in every service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response, status

from platform_common.observability import metrics

ReadinessCheck = Callable[[Request], Awaitable[dict[str, Any]]]


def health_router(readiness: ReadinessCheck) -> APIRouter:
    """`readiness` returns one entry per dependency, each with a boolean `ok`."""
    router = APIRouter(tags=["health"])

    @router.get("/ping", operation_id="health-ping")
    async def ping() -> dict[str, str]:
        return {"ping": "pong!"}

    @router.get("/health/live", operation_id="health-live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", operation_id="health-ready")
    async def ready(request: Request, response: Response) -> dict[str, Any]:
        checks = await readiness(request)
        healthy = all(check.get("ok") for check in checks.values())
        if not healthy:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "ok" if healthy else "unavailable", "checks": checks}

    router.add_api_route("/metrics", metrics, include_in_schema=False)
    return router
