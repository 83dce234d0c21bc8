"""PATCH /auth/clients/{client_id}: Update Client

Change a client; `enabled: false` ends every token it holds.


"""

from typing import TypeAlias
from urllib.parse import quote

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.client_read import ClientRead
from ...models.client_update import ClientUpdate
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = ClientRead | ErrorDetail | HTTPValidationError


def _request(
    client_id: str, *, client: AuthenticatedClient, body: ClientUpdate
) -> _operation.Request:
    return _operation.request(
        client,
        "patch",
        "/auth/clients/{client_id}".format(client_id=quote(str(client_id), safe="")),
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(ClientRead.from_dict)),
        ((400, 401, 403, 404, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
