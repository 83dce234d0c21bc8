"""GET /auth/users: List Users"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.user_read import UserRead
from ...types import Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[UserRead]


def _request(
    *, client: AuthenticatedClient, offset: int | Unset = 0, limit: int | Unset = 50
) -> _operation.Request:
    return _operation.request(
        client, "get", "/auth/users", params={"offset": offset, "limit": limit}
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(UserRead.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
