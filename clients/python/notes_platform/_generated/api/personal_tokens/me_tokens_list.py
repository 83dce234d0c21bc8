"""GET /auth/me/tokens: List My Tokens

The caller's live personal access tokens, newest first.


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.personal_token_read import PersonalTokenRead

_Parsed: TypeAlias = ErrorDetail | list[PersonalTokenRead]


def _request(*, client: AuthenticatedClient) -> _operation.Request:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/auth/me/tokens",
    }

    return _operation.Request(client, _kwargs)


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(PersonalTokenRead.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ],
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
