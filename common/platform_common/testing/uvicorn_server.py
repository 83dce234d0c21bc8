"""An ASGI app served by a real uvicorn on a loopback socket, in the test's own
event loop: for what must go over a real connection (a proxy's streaming, a
webhook receiver, the HTTP protocol's limits)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

# How long the server may take to start: 0.01 s a look.
START_LOOKS = 500


@asynccontextmanager
async def serving_asgi(app: ASGIApp, **config: Any) -> AsyncIterator[int]:
    """`app` on a free loopback port until the block ends: the port.

    `config`: uvicorn.Config's options (lifespan, http, ...); by default no
    websockets, warnings only, and a second to shut down gracefully."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    options: dict[str, Any] = {"log_level": "warning", "ws": "none", "timeout_graceful_shutdown": 1}
    server = uvicorn.Server(uvicorn.Config(app, **(options | config)))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(START_LOOKS):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 5)
        sock.close()
