"""GET /auth/me/authorizations: List My Authorizations

The apps allowed to act for the caller: what each was granted, when,
and when it last used that to get tokens.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.authorization_read import AuthorizationRead
from ...models.error_detail import ErrorDetail

_Parsed: TypeAlias = ErrorDetail | list[AuthorizationRead]


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "get", "/auth/me/authorizations")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(AuthorizationRead.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
