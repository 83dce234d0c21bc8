"""GET /auth/me/sessions: List My Sessions

The account's live sessions (logins), most recently used first.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.session_read import SessionRead

_Parsed: TypeAlias = ErrorDetail | list[SessionRead]


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "get", "/auth/me/sessions")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(SessionRead.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
