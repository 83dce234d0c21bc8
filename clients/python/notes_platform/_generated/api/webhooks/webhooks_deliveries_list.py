"""GET /webhooks/endpoints/{endpoint_id}/deliveries: List Deliveries

The latest deliveries, newest first, each with every attempt made.


"""

from typing import TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.delivery_read import DeliveryRead
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[DeliveryRead]


def _request(
    endpoint_id: UUID, *, client: AuthenticatedClient, limit: int | Unset = 20
) -> _operation.Request:
    return _operation.request(
        client,
        "get",
        "/webhooks/endpoints/{endpoint_id}/deliveries".format(
            endpoint_id=quote(str(endpoint_id), safe="")
        ),
        params={"limit": limit},
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(DeliveryRead.from_dict)),
        ((401, 403, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
