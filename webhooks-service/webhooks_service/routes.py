from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response, status

from platform_common.responses import (
    INSUFFICIENT_SCOPE,
    MALFORMED_BODY,
    UNAUTHORIZED,
    ErrorDetail,
    Responses,
)
from webhooks_service import endpoints, ingest
from webhooks_service.deps import OwnerId, PublishClaims, PurgeClaims, SessionDep, StateDep
from webhooks_service.models import Delivery
from webhooks_service.schemas import (
    CANONICAL_UUID,
    TRACEPARENT,
    AttemptRead,
    CanonicalUuid,
    DeliveryQueued,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointsPurgeResult,
    EndpointUpdate,
    EndpointWithSecret,
    EventBatch,
    IngestResult,
    RotatedEndpoint,
)

UserId = Annotated[CanonicalUuid, Path(json_schema_extra={"pattern": CANONICAL_UUID})]
EndpointId = Annotated[CanonicalUuid, Path(json_schema_extra={"pattern": CANONICAL_UUID})]
DeliveryId = Annotated[CanonicalUuid, Path(json_schema_extra={"pattern": CANONICAL_UUID})]
NOT_FOUND: Responses = {
    404: {"model": ErrorDetail, "description": "Endpoint not found (or not yours)"}
}
DELIVERY_NOT_FOUND: Responses = {
    404: {"model": ErrorDetail, "description": "Endpoint or delivery not found (or not yours)"}
}
DISABLED: Responses = {
    409: {"model": ErrorDetail, "description": "The endpoint is disabled: enable it first"}
}
internal_router = APIRouter(
    prefix="/internal", tags=["internal"], responses={**UNAUTHORIZED, **INSUFFICIENT_SCOPE}
)


@internal_router.post("/events", operation_id="internal-events-ingest", responses=MALFORMED_BODY)
async def ingest_events(
    batch: Annotated[EventBatch, Body()],
    session: SessionDep,
    state: StateDep,
    _claims: PublishClaims,
    traceparent: Annotated[
        str | None,
        Header(
            max_length=55,
            pattern=TRACEPARENT,
            description="The note change's trace context: its deliveries continue the trace",
        ),
    ] = None,
) -> IngestResult:
    """notes-service's outbox publisher: store each new event and fan it out to
    its owner's endpoints. Idempotent by event id: a batch may be sent again."""
    result = await ingest.ingest_events(session, events=batch.events, traceparent=traceparent)
    if result.accepted:
        state.wake.set()
    return result


@internal_router.delete("/users/{user_id}/endpoints", operation_id="internal-user-endpoints-purge")
async def purge_user_endpoints(
    user_id: UserId, session: SessionDep, _claims: PurgeClaims
) -> EndpointsPurgeResult:
    """Called by auth-service's outbox when an account is deleted; idempotent."""
    deleted = await ingest.purge_user_endpoints(session, owner_id=user_id)
    return EndpointsPurgeResult(deleted=deleted)


router = APIRouter(
    prefix="/webhooks/endpoints",
    tags=["webhooks"],
    responses={**UNAUTHORIZED, **INSUFFICIENT_SCOPE},
)
# One endpoint's routes, each a 404 for an endpoint that is not the caller's;
# included in `router` below its own routes (routes are matched in order).
endpoint_router = APIRouter(prefix="/{endpoint_id}", responses=NOT_FOUND)


@router.post(
    "",
    operation_id="webhooks-endpoints-create",
    status_code=status.HTTP_201_CREATED,
    responses={
        **MALFORMED_BODY,
        409: {"model": ErrorDetail, "description": "The person has the most endpoints allowed"},
    },
)
async def create_endpoint(
    data: EndpointCreate, session: SessionDep, state: StateDep, owner_id: OwnerId
) -> EndpointWithSecret:
    """Register a URL for note events; the answer shows the signing secret, this once.

    422 (error type `unsafe_url`) for a URL the service will not send to: not
    http(s), a port other than 80/443, or a host that does not resolve or
    resolves to a non-public address (loopback, private, link-local, cloud
    metadata, unique-local, CGNAT, multicast, reserved)."""
    endpoint = await endpoints.create_endpoint(
        session,
        owner_id=owner_id,
        data=data,
        addresses=state.addresses,
        limit=state.max_endpoints_per_user,
    )
    return EndpointWithSecret.model_validate(endpoint)


@router.get("", operation_id="webhooks-endpoints-list", response_model=list[EndpointRead])
async def list_endpoints(session: SessionDep, owner_id: OwnerId) -> Any:
    return await endpoints.list_endpoints(session, owner_id=owner_id)


@endpoint_router.get("", operation_id="webhooks-endpoints-read", response_model=EndpointRead)
async def read_endpoint(endpoint_id: EndpointId, session: SessionDep, owner_id: OwnerId) -> Any:
    return await endpoints.get_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id)


@endpoint_router.patch(
    "",
    operation_id="webhooks-endpoints-patch",
    response_model=EndpointRead,
    responses=MALFORMED_BODY,
)
async def update_endpoint(
    endpoint_id: EndpointId,
    data: EndpointUpdate,
    session: SessionDep,
    state: StateDep,
    owner_id: OwnerId,
) -> Any:
    """Change the fields given; `enabled: true` also starts an endpoint the
    service disabled again. A new `url` is checked as at creation (422 `unsafe_url`)."""
    return await endpoints.update_endpoint(
        session, owner_id=owner_id, endpoint_id=endpoint_id, data=data, addresses=state.addresses
    )


@endpoint_router.delete(
    "", operation_id="webhooks-endpoints-delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_endpoint(
    endpoint_id: EndpointId, session: SessionDep, owner_id: OwnerId
) -> Response:
    """The endpoint and its deliveries, pending ones included."""
    await endpoints.delete_endpoint(session, owner_id=owner_id, endpoint_id=endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@endpoint_router.post("/secret/rotate", operation_id="webhooks-endpoints-secret-rotate")
async def rotate_secret(
    endpoint_id: EndpointId, session: SessionDep, state: StateDep, owner_id: OwnerId
) -> RotatedEndpoint:
    """A new signing secret, shown this once. Until `previous_secret_expires_at`
    (WEBHOOKS_SECRET_ROTATION_OVERLAP_SECONDS, 24 h) every delivery is signed
    with both, so the receiver can switch to the new one at its own pace."""
    endpoint = await endpoints.rotate_secret(
        session,
        owner_id=owner_id,
        endpoint_id=endpoint_id,
        overlap=timedelta(seconds=state.secret_overlap_seconds),
    )
    return RotatedEndpoint.model_validate(endpoint, from_attributes=True)


@endpoint_router.post(
    "/test",
    operation_id="webhooks-endpoints-test",
    status_code=status.HTTP_202_ACCEPTED,
    responses=DISABLED,
)
async def send_test_event(
    endpoint_id: EndpointId, session: SessionDep, state: StateDep, owner_id: OwnerId
) -> DeliveryQueued:
    """Deliver a `webhook.test` event to this endpoint, signed and retried like any other."""
    delivery = await endpoints.send_test_event(session, owner_id=owner_id, endpoint_id=endpoint_id)
    state.wake.set()
    return _queued(delivery)


@endpoint_router.get("/deliveries", operation_id="webhooks-deliveries-list")
async def list_deliveries(
    endpoint_id: EndpointId,
    session: SessionDep,
    owner_id: OwnerId,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[DeliveryRead]:
    """The latest deliveries, newest first, each with every attempt made."""
    rows = await endpoints.list_deliveries(
        session, owner_id=owner_id, endpoint_id=endpoint_id, limit=limit
    )
    return [
        DeliveryRead(
            id=delivery.id,
            event_id=delivery.event_id,
            event_type=event_type,
            state=delivery.state,
            next_attempt_at=delivery.next_attempt_at if delivery.state == "pending" else None,
            created_at=delivery.created_at,
            attempts=[AttemptRead.model_validate(each) for each in delivery.history],
        )
        for delivery, event_type in rows
    ]


# Its 404 replaces the router's: the delivery may be the one not found.
@endpoint_router.post(
    "/deliveries/{delivery_id}/retry",
    operation_id="webhooks-deliveries-retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**DELIVERY_NOT_FOUND, **DISABLED},
)
async def retry_delivery(
    endpoint_id: EndpointId,
    delivery_id: DeliveryId,
    session: SessionDep,
    state: StateDep,
    owner_id: OwnerId,
) -> DeliveryQueued:
    """Attempt the delivery again now (a failed one, or a delivered one once more)."""
    delivery = await endpoints.retry_delivery(
        session, owner_id=owner_id, endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    state.wake.set()
    return _queued(delivery)


def _queued(delivery: Delivery) -> DeliveryQueued:
    return DeliveryQueued(id=delivery.id, state="pending", next_attempt_at=delivery.next_attempt_at)


router.include_router(endpoint_router)
