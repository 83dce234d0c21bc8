"""GET /auth/.well-known/openid-configuration: Openid Configuration

OpenID Provider metadata for the issuer `<public URL>/auth`, where
Discovery §4 puts it (the issuer, then /.well-known/openid-configuration):
the RFC 8414 document with the OpenID fields added.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.response_openid_configuration import ResponseOpenidConfiguration

_Parsed: TypeAlias = ErrorDetail | ResponseOpenidConfiguration


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/auth/.well-known/openid-configuration")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(ResponseOpenidConfiguration.from_dict)),
        ((429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
