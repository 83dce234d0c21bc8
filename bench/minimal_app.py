"""The benchmark's reference: about the least a Python stack can do per request.

FastAPI + an asyncpg pool + orjson, `GET /notes/{id}` reading the same row
notes-service reads. No token check, no logging, no metrics: what is left is
the HTTP server, the framework's routing and one query. Not part of the
platform; `bench/run.py` starts it with uvicorn beside the services.

    BENCH_DATABASE_URL=postgresql://... uvicorn --factory minimal_app:app
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
from fastapi import FastAPI, Request, Response

QUERY = "SELECT id, title, description, created_date, updated_date FROM notes.notes WHERE id = $1"
OWNED = QUERY + " AND owner_id = $2"


def app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=1, max_size=10)
        application.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    application = FastAPI(lifespan=lifespan)

    @application.get("/notes/{note_id}")
    async def read_note(note_id: int, request: Request) -> Response:
        row = await request.app.state.pool.fetchrow(QUERY, note_id)
        if row is None:
            return Response(b'{"detail":"Note not found"}', status_code=404)
        return Response(orjson.dumps(dict(row)), media_type="application/json")

    # The mixed workload's reads (bench/mixed.lua, mode "reads"): the owner's
    # note, as notes-service reads it (by id and owner), the owner taken from
    # the token's payload unverified: a reference, not a check.
    @application.get("/owned/notes/{note_id}")
    async def read_owned_note(note_id: int, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        payload = token.split(".")[1] if token.count(".") == 2 else ""
        owner = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
        row = await request.app.state.pool.fetchrow(OWNED, note_id, uuid.UUID(owner))
        if row is None:
            return Response(b'{"detail":"Note not found"}', status_code=404)
        return Response(orjson.dumps(dict(row)), media_type="application/json")

    return application
