"""GET /.well-known/oauth-authorization-server/auth: Authorization Server Metadata

OAuth 2.0 Authorization Server Metadata (RFC 8414), for the issuer
`<public URL>/auth`. Served where §3.1 puts it,
/.well-known/oauth-authorization-server/auth, and where OpenID Connect
Discovery's rule (appending) puts it, /auth/.well-known/oauth-authorization-server,
as §5 advises for an issuer with a path.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.response_auth_server_metadata_root import ResponseAuthServerMetadataRoot

_Parsed: TypeAlias = ErrorDetail | ResponseAuthServerMetadataRoot


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/.well-known/oauth-authorization-server/auth")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(ResponseAuthServerMetadataRoot.from_dict)),
        ((429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
