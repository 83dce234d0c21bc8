"""GET /auth/me: Read Me"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.user_read import UserRead

_Parsed: TypeAlias = ErrorDetail | UserRead


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "get", "/auth/me")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(UserRead.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
