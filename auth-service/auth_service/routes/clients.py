"""The client registry's routes (superusers): `/auth/clients`."""

from collections.abc import Sequence

from fastapi import APIRouter, Response, status

from auth_service.deps import ClientInfoDep, CurrentUser, SessionDep, StateDep
from auth_service.errors import ClientNotFound
from auth_service.models import OAuthClient
from auth_service.oauth import clients
from auth_service.oauth.clients import ClientFields
from auth_service.routes.paging import TOTAL_COUNT, PagingDep
from auth_service.routes.shared import (
    NO_STORE,
    documented,
    superuser_router,
)
from auth_service.schemas import (
    ClientCreate,
    ClientCreated,
    ClientId,
    ClientRead,
    ClientSecret,
    ClientUpdate,
)
from platform_common.responses import MALFORMED_BODY

router = superuser_router("/auth/clients", tag="clients")
CLIENT_NOT_FOUND = documented(404, "Client not found")
INVALID_METADATA = documented(
    400, "The body cannot be decoded, or the client's settings cannot be (the detail says why)"
)
# One client's routes, each a 404 for an unknown client_id; included in
# `router` below its own routes (routes are matched in order).
client_router = APIRouter(prefix="/{client_id}", responses=CLIENT_NOT_FOUND)


@router.post(
    "",
    operation_id="clients-create",
    status_code=status.HTTP_201_CREATED,
    responses={**MALFORMED_BODY, **INVALID_METADATA},
)
async def create_client(
    data: ClientCreate,
    response: Response,
    session: SessionDep,
    actor: CurrentUser,
    client: ClientInfoDep,
) -> ClientCreated:
    """Register an app or a service. A confidential client's secret is in this
    answer only: it is stored as a hash."""
    fields = ClientFields(**data.model_dump(exclude={"client_id"}))
    created, secret = await clients.create(
        session, fields=fields, client_id=data.client_id, actor=client, actor_id=actor.id
    )
    response.headers.update(NO_STORE)
    response.headers["Location"] = f"/auth/clients/{created.id}"
    return ClientCreated.model_validate(
        {**ClientRead.model_validate(created).model_dump(), "client_secret": secret}
    )


@router.get("", operation_id="clients-list", response_model=list[ClientRead], responses=TOTAL_COUNT)
async def list_clients(session: SessionDep, paging: PagingDep) -> Sequence[OAuthClient]:
    result = await clients.list_clients(session, offset=paging.offset, limit=paging.limit)
    return paging.answer(result)


@client_router.get("", operation_id="clients-read", response_model=ClientRead)
async def read_client(client_id: ClientId, session: SessionDep) -> OAuthClient:
    found = await clients.find(session, client_id)
    if found is None:
        raise ClientNotFound
    return found


@client_router.patch(
    "",
    operation_id="clients-update",
    response_model=ClientRead,
    responses={**MALFORMED_BODY, **INVALID_METADATA},
)
async def update_client(
    client_id: ClientId,
    data: ClientUpdate,
    session: SessionDep,
    actor: CurrentUser,
    client: ClientInfoDep,
) -> OAuthClient:
    """Change a client; `enabled: false` ends every token it holds."""
    return await clients.change(
        session,
        client_id=client_id,
        changes=data.model_dump(exclude_unset=True),
        actor=client,
        actor_id=actor.id,
    )


@client_router.delete("", operation_id="clients-delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_client(
    client_id: ClientId, session: SessionDep, actor: CurrentUser, client: ClientInfoDep
) -> None:
    """Delete a client: its consents go, and every token it holds ends."""
    await clients.remove(session, client_id=client_id, actor=client, actor_id=actor.id)


@client_router.post(
    "/secret",
    operation_id="clients-secret-rotate",
    responses={**MALFORMED_BODY, **INVALID_METADATA},
)
async def rotate_client_secret(
    client_id: ClientId,
    response: Response,
    session: SessionDep,
    state: StateDep,
    actor: CurrentUser,
    client: ClientInfoDep,
) -> ClientSecret:
    """A new secret, shown once; the previous one keeps working for
    AUTH_CLIENT_SECRET_GRACE_SECONDS."""
    secret, previous_expires_at = await clients.rotate_secret(
        session,
        client_id=client_id,
        grace=state.token_policy.client_secret_grace,
        actor=client,
        actor_id=actor.id,
    )
    response.headers.update(NO_STORE)
    return ClientSecret(
        client_id=client_id, client_secret=secret, previous_secret_expires_at=previous_expires_at
    )


router.include_router(client_router)
