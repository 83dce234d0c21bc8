from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import async_sessionmaker

from platform_common.app import create_backend_app, uvicorn_factory
from platform_common.background import background_task
from platform_common.database import create_database_engine, database_ready
from platform_common.replicas import internal_client
from platform_common.service_token import ServiceToken
from platform_common.verification import remote_verification, revocations_readiness
from webhooks_service.addresses import AddressPolicy
from webhooks_service.config import Settings, get_settings
from webhooks_service.notices import NOTICES_SCOPE, NoticesClient, OwnerNotifier
from webhooks_service.retries import RetrySchedule
from webhooks_service.routes import internal_router, router
from webhooks_service.sender import Sender
from webhooks_service.state import WebhooksState
from webhooks_service.worker import DeliveryWorker

SERVICE = "webhooks-service"
# A notice call (and the token grant before it) is given this long.
NOTICE_TIMEOUT_SECONDS = 10.0


async def readiness(request: Request) -> dict[str, Any]:
    database = await database_ready(request.app.state.database_engine)
    return {"database": database, **revocations_readiness(request)}


def delivery_worker(settings: Settings, state: WebhooksState, sender: Sender) -> DeliveryWorker:
    return DeliveryWorker(
        state.sessionmaker,
        sender,
        RetrySchedule(settings.retry_schedule_seconds),
        concurrency=settings.delivery_concurrency,
        poll_interval=settings.delivery_poll_interval_seconds,
        lease_seconds=settings.delivery_lease_seconds,
        disable_after=timedelta(seconds=settings.disable_after_seconds),
        wake=state.wake,
    )


@asynccontextmanager
async def owner_notifier(
    settings: Settings, state: WebhooksState
) -> AsyncIterator[OwnerNotifier | None]:
    """Who mails the owners of disabled endpoints; None without a client secret."""
    if settings.notices_client_secret is None:
        yield None
        return
    async with internal_client(settings.auth_url, timeout=NOTICE_TIMEOUT_SECONDS) as http:
        token = ServiceToken(
            http,
            client_id=settings.notices_client_id,
            client_secret=settings.notices_client_secret,
            scope=NOTICES_SCOPE,
        )
        yield OwnerNotifier(
            state.sessionmaker,
            NoticesClient(http, token=token),
            disable_after=timedelta(seconds=settings.disable_after_seconds),
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_database_engine(settings.database_url, pool_size=settings.db_pool_size)
        app.state.database_engine = engine
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        addresses = AddressPolicy(settings.allowed_hosts)
        state = WebhooksState(
            sessionmaker=sessionmaker,
            addresses=addresses,
            secret_overlap_seconds=settings.secret_rotation_overlap_seconds,
            max_endpoints_per_user=settings.max_endpoints_per_user,
        )
        app.state.webhooks = state
        sender = Sender(
            addresses,
            timeout=settings.delivery_timeout_seconds,
            max_connections=settings.delivery_concurrency,
        )
        worker = delivery_worker(settings, state, sender)
        retention = timedelta(days=settings.delivery_retention_days)
        enabled = settings.delivery_enabled
        try:
            async with (
                remote_verification(app, settings, audiences=settings.jwt_audiences),
                owner_notifier(settings, state) as notifier,
                background_task(worker.run_forever() if enabled else None, name="deliveries"),
                background_task(
                    worker.housekeeping_forever(retention=retention, notifier=notifier)
                    if enabled
                    else None,
                    name="webhooks-housekeeping",
                ),
            ):
                yield
        finally:
            await sender.aclose()
            await engine.dispose()

    return create_backend_app(
        settings,
        service=SERVICE,
        readiness=readiness,
        routers=[router, internal_router],
        version="0.1.0",
        description="Each person's webhook endpoints and the signed deliveries of note changes.",
        lifespan=lifespan,
    )


app = uvicorn_factory(SERVICE, create_app, get_settings)
