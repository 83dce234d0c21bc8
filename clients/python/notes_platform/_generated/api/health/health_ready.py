"""GET /health/ready: Ready"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.response_health_ready import ResponseHealthReady

_Parsed: TypeAlias = ErrorDetail | ResponseHealthReady


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/health/ready")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(ResponseHealthReady.from_dict)),
        ((429,), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
