"""GET /webhooks/endpoints: List Endpoints"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.endpoint_read import EndpointRead
from ...models.error_detail import ErrorDetail

_Parsed: TypeAlias = ErrorDetail | list[EndpointRead]


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "get", "/webhooks/endpoints")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(EndpointRead.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
