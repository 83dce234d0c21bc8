"""A webhook receiver on a real loopback socket (uvicorn): it records each request
and answers from a script of answers (then 200)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from platform_common.testing.http_server import serving_asgi


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
    config = {"ws": "none", "lifespan": "off", "timeout_graceful_shutdown": 1}
    async with serving_asgi(app, **config) as port:
        receiver.port = port
        receiver.url = f"http://127.0.0.1:{port}/hook"
        yield receiver
