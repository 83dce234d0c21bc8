"""DELETE /auth/me/sessions/{session_id}: End My Session

End one session: its refresh tokens are revoked, and its access tokens
refused within the revocation bound.


"""

from typing import Any, TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(session_id: UUID, *, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(
        client,
        "delete",
        "/auth/me/sessions/{session_id}".format(session_id=quote(str(session_id), safe="")),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((401, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
