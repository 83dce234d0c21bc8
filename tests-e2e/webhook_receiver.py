"""A webhook receiver for test_webhooks.py, on a real socket in a thread of the
test process: it verifies every delivery with the `standardwebhooks` library
(an unverifiable one fails the test) and records what it was sent."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Delivery:
    webhook_id: str
    payload: dict[str, Any]


@dataclass
class WebhookReceiver:
    port: int
    secrets: dict[str, str] = field(default_factory=dict)  # path -> the endpoint's secret
    received: list[Delivery] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    status_by_path: dict[str, int] = field(default_factory=dict)
    delay_seconds: float = 0.0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        try:
            payload = Webhook(self.secrets[path]).verify(body, dict(request.headers))
        except (KeyError, WebhookVerificationError) as exc:
            self.unverified.append(f"{path}: {exc!r}")
            return Response(status_code=400)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)  # slow: the sender is held mid-delivery
        with self._lock:
            self.received.append(Delivery(request.headers["webhook-id"], payload))
        return Response(status_code=self.status_by_path.get(path, 204))

    def start(self) -> None:
        app = Starlette(routes=[Route("/{path:path}", self.hook, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=10)
