"""GET /webhooks/endpoints/{endpoint_id}: Read Endpoint"""

from typing import TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.endpoint_read import EndpointRead
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = EndpointRead | ErrorDetail | HTTPValidationError


def _request(endpoint_id: UUID, *, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(
        client,
        "get",
        "/webhooks/endpoints/{endpoint_id}".format(endpoint_id=quote(str(endpoint_id), safe="")),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(EndpointRead.from_dict)),
        ((401, 403, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
