"""PATCH /webhooks/endpoints/{endpoint_id}: Update Endpoint

Change the fields given; `enabled: true` also starts an endpoint the
service disabled again. A new `url` is checked as at creation (422 `unsafe_url`).


Args:
    body: PATCH: the fields given replace the endpoint's; `null` is refused.
"""

from typing import TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.endpoint_read import EndpointRead
from ...models.endpoint_update import EndpointUpdate
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = EndpointRead | ErrorDetail | HTTPValidationError


def _request(
    endpoint_id: UUID, *, client: AuthenticatedClient, body: EndpointUpdate
) -> _operation.Request:
    return _operation.request(
        client,
        "patch",
        "/webhooks/endpoints/{endpoint_id}".format(endpoint_id=quote(str(endpoint_id), safe="")),
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(EndpointRead.from_dict)),
        ((400, 401, 403, 404, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
