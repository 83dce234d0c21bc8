"""DELETE /auth/me: Delete Me

Args:
    body: The body of `DELETE /auth/me`.
"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.account_deletion import AccountDeletion
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(*, client: AuthenticatedClient, body: AccountDeletion) -> _operation.Request:
    return _operation.request(
        client,
        "delete",
        "/auth/me",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
