"""POST /webhooks/endpoints: Create Endpoint

Register a URL for note events; the answer shows the signing secret, this once.

422 (error type `unsafe_url`) for a URL the service will not send to: not
http(s), a port other than 80/443, or a host that does not resolve or
resolves to a non-public address (loopback, private, link-local, cloud
metadata, unique-local, CGNAT, multicast, reserved).


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.endpoint_create import EndpointCreate
from ...models.endpoint_with_secret import EndpointWithSecret
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = EndpointWithSecret | ErrorDetail | HTTPValidationError


def _request(*, client: AuthenticatedClient, body: EndpointCreate) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/webhooks/endpoints",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((201,), _operation.json(EndpointWithSecret.from_dict)),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
