"""GET /health/live: Live"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.response_health_live import ResponseHealthLive

_Parsed: TypeAlias = ResponseHealthLive


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/health/live")


_OPERATION = _operation.Operation[_Parsed](
    [((200,), _operation.json(ResponseHealthLive.from_dict))]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
