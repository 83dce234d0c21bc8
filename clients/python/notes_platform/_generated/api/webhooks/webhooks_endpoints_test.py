"""POST /webhooks/endpoints/{endpoint_id}/test: Send Test Event

Deliver a `webhook.test` event to this endpoint, signed and retried like any other.


"""

from typing import TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.delivery_queued import DeliveryQueued
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = DeliveryQueued | ErrorDetail | HTTPValidationError


def _request(endpoint_id: UUID, *, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/webhooks/endpoints/{endpoint_id}/test".format(
            endpoint_id=quote(str(endpoint_id), safe="")
        ),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((202,), _operation.json(DeliveryQueued.from_dict)),
        ((401, 403, 404, 409, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
