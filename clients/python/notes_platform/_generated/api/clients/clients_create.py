"""POST /auth/clients: Create Client

Register an app or a service. A confidential client's secret is in this
answer only: it is stored as a hash.


Args:
    body: A client; unset `client_id`: one is made up.
"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.client_create import ClientCreate
from ...models.client_created import ClientCreated
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = ClientCreated | ErrorDetail | HTTPValidationError


def _request(*, client: AuthenticatedClient, body: ClientCreate) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/clients",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((201,), _operation.json(ClientCreated.from_dict)),
        ((400, 401, 403, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
