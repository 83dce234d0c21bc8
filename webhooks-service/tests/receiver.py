"""A webhook receiver on a real loopback socket (uvicorn): it records each request
and answers from a script of answers (then 200)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    answers: list[Response] = field(default_factory=list)

    async def hook(self, request: Request) -> Response:
        self.requests.append(Received(dict(request.headers), await request.body()))
        return self.answers.pop(0) if self.answers else Response("ok")


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/{path:path}", receiver.hook, methods=["POST", "GET"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    receiver.port = sock.getsockname()[1]
    receiver.url = f"http://127.0.0.1:{receiver.port}/hook"
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", ws="none", lifespan="off", timeout_graceful_shutdown=1
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started
        yield receiver
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 5)
        sock.close()
