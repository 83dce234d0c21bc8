"""The shared state dependencies (platform_common.app_state) and the app
assembly of a service behind the gateway (platform_common.app.create_backend_app)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request

from platform_common.app import create_backend_app
from platform_common.app_state import app_state, session_dependency
from platform_common.service_token import renewal_time
from platform_common.settings import BackendSettings
from platform_common.verification import revocations_readiness


@dataclass
class FakeSessions:
    """A sessionmaker stand-in: each session is a number, closed after the request."""

    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    @asynccontextmanager
    async def sessionmaker(self) -> AsyncIterator[Any]:
        number = len(self.opened)
        self.opened.append(number)
        try:
            yield number
        finally:
            self.closed.append(number)


@dataclass
class FakeRevocations:
    loaded: bool


thing_state = app_state("thing", FakeSessions)
router = APIRouter()


@router.get("/session")
async def session_route(
    session: Annotated[Any, Depends(session_dependency(thing_state))],
    thing: Annotated[FakeSessions, Depends(thing_state)],
) -> dict[str, Any]:
    return {"session": session, "opened": thing.opened}


async def ready(request: Request) -> dict[str, Any]:
    return {"thing": {"ok": True}, **revocations_readiness(request)}


def backend_app(**settings: Any) -> FastAPI:
    return create_backend_app(
        BackendSettings(**settings), service="test-service", readiness=ready, routers=[router]
    )


async def call(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        return await client.get(path)


async def test_a_request_has_one_session_of_the_state_closed_after_it() -> None:
    app = backend_app()
    app.state.thing = FakeSessions()
    answer = await call(app, "/session")
    assert answer.json() == {"session": 0, "opened": [0]}
    assert app.state.thing.closed == [0]


def test_the_backend_app_is_titled_by_its_service_and_keeps_its_settings() -> None:
    app = backend_app(shutdown_drain_seconds=3)
    assert app.title == "test-service"
    assert app.state.settings.shutdown_drain_seconds == 3


async def test_readiness_has_no_revocations_entry_without_a_list() -> None:
    app = backend_app()
    app.state.revocations = None
    answer = await call(app, "/health/ready")
    assert answer.json()["checks"] == {"thing": {"ok": True}}


async def test_readiness_waits_for_the_revocation_list_to_load() -> None:
    app = backend_app()
    app.state.revocations = FakeRevocations(loaded=False)
    answer = await call(app, "/health/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"]["revocations"] == {"ok": False}


def test_a_token_is_renewed_a_quarter_of_its_lifetime_early_at_most_a_minute() -> None:
    assert renewal_time(100.0, 40.0) == 130.0
    assert renewal_time(100.0, 3600.0) == 3640.0
