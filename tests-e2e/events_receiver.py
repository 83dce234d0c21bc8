"""A stand-in for webhooks-service's ingest, for test_note_events.py: it
records each `POST /internal/events` (body and headers) and answers as the
contract says, or with the failures it was told to give first.

Run by uvicorn (`uvicorn events_receiver:app`); the real webhooks-service is
another package of the platform, this one only shows what notes-service sends.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI(title="events receiver", version="1.0.0")
calls: list[dict[str, Any]] = []
failures: list[int] = []  # statuses to answer before the next 200s


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/received")
async def received() -> list[dict[str, Any]]:
    """Every call so far: `{"headers": ..., "events": [...], "status": ...}`."""
    return calls


@app.post("/fail")
async def fail_next(statuses: list[int]) -> dict[str, int]:
    failures.extend(statuses)
    return {"queued": len(failures)}


@app.post("/internal/events")
async def ingest(request: Request) -> JSONResponse:
    body = await request.json()
    status = failures.pop(0) if failures else 200
    calls.append(
        {"headers": dict(request.headers.items()), "events": body["events"], "status": status}
    )
    if status != 200:
        return JSONResponse({"detail": "failing on purpose"}, status_code=status)
    return JSONResponse({"accepted": len(body["events"]), "duplicates": 0})
