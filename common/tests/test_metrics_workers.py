"""Several workers (`<PREFIX>_WORKERS`): `/metrics` sums every worker's counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# One worker's share: counts requests through the middleware, as a service would.
WORKER = """
import asyncio
from platform_common.observability import RequestContextMiddleware

async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})

async def noop_send(message):
    pass

async def main():
    wrapped = RequestContextMiddleware(app, service="workers-test")
    for _ in range(COUNT):
        scope = {"type": "http", "method": "GET", "path": "/ping", "headers": []}
        await wrapped(scope, None, noop_send)

asyncio.run(main())
"""

SCRAPE = """
import asyncio
from platform_common.observability import metrics

print((asyncio.run(metrics(None))).body.decode())
"""


def run(code: str, folder: Path) -> str:
    completed = subprocess.run(  # noqa: S603 - the test's own code
        [sys.executable, "-c", code],
        env={"PROMETHEUS_MULTIPROC_DIR": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def test_the_scrape_sums_every_worker(tmp_path: Path) -> None:
    run(WORKER.replace("COUNT", "3"), tmp_path)
    run(WORKER.replace("COUNT", "4"), tmp_path)
    scraped = run(SCRAPE, tmp_path)
    line = next(
        line
        for line in scraped.splitlines()
        if line.startswith("http_requests_total{") and 'service="workers-test"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) == 7
