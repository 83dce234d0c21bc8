"""What one request's id, JSON access line and two metrics cost, timed in this process."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any


def request_context_cost_us(calls: int) -> float:
    """CPU µs that RequestContextMiddleware adds to one request (request id, JSON log line,
    two metrics), measured in this process: a bare ASGI app with and without it, as the
    services run it (JSON lines, INFO), writing to /dev/null."""
    from platform_common.observability import RequestContextMiddleware, configure_logging

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def noop_send(message: Any) -> None:
        return None

    async def noop_receive() -> Any:
        return {"type": "http.request", "body": b""}

    def scope() -> dict[str, Any]:
        return {
            "type": "http",
            "method": "GET",
            "path": "/notes/1",
            "headers": [(b"authorization", b"Bearer x"), (b"x-request-id", b"bench-request-1")],
        }

    async def timed(app: Any) -> float:
        started = time.process_time()
        for _ in range(calls):
            await app(scope(), noop_receive, noop_send)
        return time.process_time() - started

    with open(os.devnull, "w") as sink:
        configure_logging("bench-probe", "INFO", stream=sink)
        wrapped = RequestContextMiddleware(bare, service="bench-probe")
        bare_seconds = asyncio.run(timed(bare))
        wrapped_seconds = asyncio.run(timed(wrapped))
    # The sink is closed now: nothing logged later (the embedded Postgres
    # stopping at exit) may be written to it.
    logging.getLogger().handlers.clear()
    return round(max(wrapped_seconds - bare_seconds, 0.0) / calls * 1e6, 1)
