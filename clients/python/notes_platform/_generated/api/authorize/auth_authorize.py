"""GET /auth/authorize: Authorize

OAuth 2.1 authorization endpoint: `response_type=code`, `client_id`,
`redirect_uri`, `scope`, `state`, `nonce`, `code_challenge` with
`code_challenge_method=S256` (required).


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail

_Parsed: TypeAlias = Any | ErrorDetail | str


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/auth/authorize")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200, 400), _operation.text),
        ((303,), _operation.nothing),
        ((429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
