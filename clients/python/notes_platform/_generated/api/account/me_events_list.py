"""GET /auth/me/events: List My Events

The account's security events, newest first.


Args:
    offset (int | Unset):  Default: 0.
    limit (int | Unset):  Default: 50.
"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.security_event_read import SecurityEventRead
from ...types import UNSET, Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[SecurityEventRead]


def _request(
    *, client: AuthenticatedClient, offset: int | Unset = 0, limit: int | Unset = 50
) -> _operation.Request:

    params: dict[str, Any] = {}

    params["offset"] = offset

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/me/events",
        "params": params,
    }

    return _operation.Request(client, _kwargs)


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(SecurityEventRead.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ],
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
