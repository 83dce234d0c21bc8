"""Leaving a pool of replicas without failing a request: drain on SIGTERM.

Whoever sends us requests (the gateway, a load balancer) keeps idle
keep-alive connections to this process. uvicorn's graceful shutdown closes
those idle connections at once, and a request the client is writing on one at
that instant fails with no answer and no way to know whether it ran: for a
POST the client may not send it again. So on SIGTERM, with
`<PREFIX>_SHUTDOWN_DRAIN_SECONDS` > 0, a process first drains for that long:

- it keeps serving every request, but each answer says `Connection: close`,
  so the client closes that connection after the answer (never mid-request)
  and the gateway stops choosing this replica (gateway/gateway/balancer.py);
- `/health/ready` answers 503 `draining`, so a load balancer or Kubernetes
  takes it out of rotation too;

and only then hands the signal to uvicorn, whose graceful shutdown
(`--timeout-graceful-shutdown`) lets the requests in flight finish. A second
SIGTERM, or SIGINT (Ctrl-C), stops at once the usual way.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)
READINESS_PATH = "/health/ready"
_DRAINING_BODY = b'{"status":"draining"}'

SignalHandler = Callable[[int, FrameType | None], Any]


class DrainOnSigterm:
    """ASGI middleware: the drain described above. Outermost, so that every answer is marked."""

    def __init__(self, app: ASGIApp, drain_seconds: float = 0.0) -> None:
        self.app = app
        self.drain_seconds = drain_seconds
        self.draining = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._on_startup(receive), send)
            return
        if scope["type"] != "http" or not self.draining:
            await self.app(scope, receive, send)
            return
        if scope["path"] == READINESS_PATH:
            await _answer_draining(send)
            return
        await self.app(scope, receive, _closing(send))

    def _on_startup(self, receive: Receive) -> Receive:
        async def receive_and_hook() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.install()
            return message

        return receive_and_hook

    def install(self) -> None:
        """Put the drain in front of the server's own SIGTERM handler.

        Called at start-up, when uvicorn has installed its handlers (it
        restores its predecessors itself when it stops).
        """
        if self.drain_seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return
        server_handler = signal.getsignal(signal.SIGTERM)
        if not callable(server_handler):
            return
        loop = asyncio.get_running_loop()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.draining:  # the second one: stop now
                server_handler(signum, frame)
                return
            self.draining = True
            # A signal handler must not touch the loop directly; this is the safe way in.
            loop.call_soon_threadsafe(
                loop.call_later, self.drain_seconds, server_handler, signum, None
            )

        signal.signal(signal.SIGTERM, on_sigterm)
        logger.info("SIGTERM drains for %.1fs before shutting down", self.drain_seconds)


def _closing(send: Send) -> Send:
    async def send_with_close(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
            headers.append((b"connection", b"close"))
            message["headers"] = headers
        await send(message)

    return send_with_close


async def _answer_draining(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_DRAINING_BODY)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _DRAINING_BODY})
