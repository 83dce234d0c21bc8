"""PATCH /auth/users/{user_id}: Update User

A new `email` applies at once, unverified; a token is sent to it.


"""

from typing import TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.user_read import UserRead
from ...models.user_update_admin import UserUpdateAdmin

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | UserRead


def _request(
    user_id: UUID, *, client: AuthenticatedClient, body: UserUpdateAdmin
) -> _operation.Request:
    return _operation.request(
        client,
        "patch",
        "/auth/users/{user_id}".format(user_id=quote(str(user_id), safe="")),
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(UserRead.from_dict)),
        ((400, 401, 403, 404, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
