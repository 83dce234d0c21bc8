"""The benchmark's reference hop in Python: the gateway's HTTP stack and nothing else.

uvicorn (as the services run it) in front, aiohttp's client pool (as the
gateway forwards) behind: each request goes to the upstream as received and
its answer comes back as read. No token check, quota, request id, log line,
metrics, header cleaning or retries: what is left is the floor that the
gateway's own work sits on. Not part of the platform; `bench/run.py` starts
it with uvicorn beside the services.

    BENCH_UPSTREAM=http://127.0.0.1:8001 uvicorn --factory bare_proxy:app
"""

from __future__ import annotations

import os

import aiohttp
from starlette.types import ASGIApp, Receive, Scope, Send
from yarl import URL

from asgi_body import read_body

# Settled per connection; the gateway does not pass them on either.
_NOT_RELAYED = frozenset({b"host", b"connection", b"keep-alive", b"transfer-encoding"})
_NOT_RETURNED = frozenset({b"date", b"server", b"connection", b"keep-alive", b"transfer-encoding"})


def app() -> ASGIApp:
    upstream = os.environ["BENCH_UPSTREAM"]
    session: aiohttp.ClientSession | None = None

    async def lifespan(receive: Receive, send: Send) -> None:
        nonlocal session
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                session = aiohttp.ClientSession(
                    cookie_jar=aiohttp.DummyCookieJar(),
                    skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                    auto_decompress=False,
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if session is not None:
                    await session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def proxy(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        assert session is not None
        query = scope["query_string"]
        target = scope["raw_path"] + (b"?" + query if query else b"")
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in scope["headers"]
            if name not in _NOT_RELAYED
        ]
        body = await read_body(receive)
        async with session.request(
            scope["method"],
            URL(upstream + target.decode("latin-1"), encoded=True),
            headers=headers,
            data=body or None,
            allow_redirects=False,
        ) as response:
            content = await response.read()
            returned = [
                (name.lower(), value)
                for name, value in response.raw_headers
                if name.lower() not in _NOT_RETURNED
            ]
            start = {"type": "http.response.start", "status": response.status, "headers": returned}
            await send(start)
            await send({"type": "http.response.body", "body": content})

    return proxy
