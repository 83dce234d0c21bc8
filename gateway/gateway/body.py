"""The client's request body, streamed to the upstream under a size limit and two deadlines.

A client that sends its body slowly holds an upstream connection all along:
each message must arrive within the idle deadline, and the whole body within
the total one, or the request ends with 408.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


class ClientDisconnected(Exception):
    pass


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_bytes: int
    idle_seconds: float
    total_seconds: float


class RequestBody:
    """The body as httpx content, counted against `limits` as it streams.

    A plain object rather than a generator: httpx refuses to iterate a
    generator twice, and a request refused at connect time is retried with
    the same, still unread, body.
    """

    def __init__(self, receive: Receive, limits: BodyLimits) -> None:
        self._receive = receive
        self._limits = limits
        self.started = False

    async def _next_message(self, deadline: float) -> Message:
        wait = min(self._limits.idle_seconds, deadline - time.monotonic())
        try:
            async with asyncio.timeout(max(wait, 0.0)):
                return await self._receive()
        except TimeoutError:
            raise BodyTimeout from None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.started = True
        deadline = time.monotonic() + self._limits.total_seconds
        received = 0
        while True:
            message = await self._next_message(deadline)
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > self._limits.max_bytes:
                raise BodyTooLarge
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return
