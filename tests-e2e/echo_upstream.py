"""A tiny upstream service for test_extra_upstream.py: it answers with what it
received, and counts the requests that reached it.

Run by uvicorn (`uvicorn echo_upstream:app`); not a service of the platform,
so no service list names it: the gateway learns of it from GATEWAY_UPSTREAMS.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import FastAPI, Request

app = FastAPI(title="echo", version="1.0.0")
received: Counter[str] = Counter()


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/received")
async def received_counts() -> dict[str, int]:
    """Requests per path so far (asked directly, not through the gateway)."""
    return dict(received)


def _echo(request: Request) -> dict[str, Any]:
    received[request.url.path] += 1
    return {
        "path": request.url.path,
        "query": request.url.query,
        "headers": dict(request.headers.items()),
    }


@app.get("/extra/open")
async def echo_open(request: Request) -> dict[str, Any]:
    """Open in the gateway's table: no token needed."""
    return _echo(request)


@app.get("/extra/private")
async def echo_private(request: Request) -> dict[str, Any]:
    """Not open: the gateway lets only a valid token through."""
    return _echo(request)
