"""DELETE /auth/me/tokens/{token_id}: Revoke My Token

Revoke one of the caller's tokens: refused everywhere within the revocation bound.


"""

from typing import Any, TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(token_id: UUID, *, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(
        client,
        "delete",
        "/auth/me/tokens/{token_id}".format(token_id=quote(str(token_id), safe="")),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((401, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
