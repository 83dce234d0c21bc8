"""The whole body of a request to the bench's plain ASGI apps
(bench/bare_proxy.py, bench/delivery_receiver.py)."""

from __future__ import annotations

from starlette.types import Receive


async def read_body(receive: Receive) -> bytes:
    """Every `http.request` message's bytes until the last (or a disconnect)."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body
