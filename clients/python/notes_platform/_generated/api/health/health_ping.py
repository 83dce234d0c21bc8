"""GET /ping: Ping"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.response_health_ping import ResponseHealthPing

_Parsed: TypeAlias = ResponseHealthPing


def _request(*, client: AuthenticatedClient | Client) -> _operation.Request:
    return _operation.request(client, "get", "/ping")


_OPERATION = _operation.Operation[_Parsed](
    [((200,), _operation.json(ResponseHealthPing.from_dict))]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
