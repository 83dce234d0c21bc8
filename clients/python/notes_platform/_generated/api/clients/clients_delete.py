"""DELETE /auth/clients/{client_id}: Delete Client

Delete a client: its consents go, and every token it holds ends.


"""

from typing import Any, TypeAlias
from urllib.parse import quote

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(client_id: str, *, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(
        client,
        "delete",
        "/auth/clients/{client_id}".format(client_id=quote(str(client_id), safe="")),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((401, 403, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
