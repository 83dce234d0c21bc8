"""GET /auth/.well-known/jwks.json: Jwks

The public keys that sign access tokens (RFC 7517).


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.response_auth_jwks import ResponseAuthJwks

_Parsed: TypeAlias = ErrorDetail | ResponseAuthJwks


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/auth/.well-known/jwks.json")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(ResponseAuthJwks.from_dict)),
        ((429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
