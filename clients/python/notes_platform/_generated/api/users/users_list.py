"""GET /auth/users: List Users

Args:
    offset (int | Unset):  Default: 0.
    limit (int | Unset):  Default: 50.
"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.user_read import UserRead
from ...types import UNSET, Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[UserRead]


def _request(
    *, client: AuthenticatedClient, offset: int | Unset = 0, limit: int | Unset = 50
) -> _operation.Request:

    params: dict[str, Any] = {}

    params["offset"] = offset

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/users",
        "params": params,
    }

    return _operation.Request(client, _kwargs)


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(UserRead.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ],
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
