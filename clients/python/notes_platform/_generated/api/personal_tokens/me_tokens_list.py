"""GET /auth/me/tokens: List My Tokens

The caller's live personal access tokens, newest first.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.personal_token_read import PersonalTokenRead

_Parsed: TypeAlias = ErrorDetail | list[PersonalTokenRead]


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "get", "/auth/me/tokens")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(PersonalTokenRead.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
