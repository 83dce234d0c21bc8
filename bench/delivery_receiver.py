"""The webhooks phase's receiver (bench/phases/webhooks.py), a process of its own.

    python bench/delivery_receiver.py PORT OUTPUT

Plain ASGI under uvicorn (uvloop, httptools): each POST is answered 204 and
noted as `<monotonic instant> <webhook-id> <event type> <note id>`; the lines
are written to OUTPUT when uvicorn shuts down (SIGTERM). A process of its own,
not a thread of the load generator's: the two would share one GIL, and the
receiver's wait for it would count as delivery latency. CLOCK_MONOTONIC is
the machine's, so its instants compare with the generator's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import uvicorn
from starlette.types import Receive, Scope, Send

from asgi_body import read_body


def app(output: Path) -> object:
    seen: list[str] = []

    async def receiver(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    output.write_text("".join(seen))  # noqa: ASYNC240 - once, at shutdown
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = await read_body(receive)
        arrived = time.monotonic()
        headers = dict(scope["headers"])
        payload = json.loads(body)
        webhook_id = headers[b"webhook-id"].decode()
        seen.append(f"{arrived} {webhook_id} {payload['type']} {payload['data'].get('id', 0)}\n")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return receiver


if __name__ == "__main__":
    port, output = int(sys.argv[1]), Path(sys.argv[2])
    uvicorn.run(
        app(output),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )
