"""POST /webhooks/endpoints/{endpoint_id}/secret/rotate: Rotate Secret

A new signing secret, shown this once. Until `previous_secret_expires_at`
(WEBHOOKS_SECRET_ROTATION_OVERLAP_SECONDS, 24 h) every delivery is signed
with both, so the receiver can switch to the new one at its own pace.


"""

from typing import TypeAlias
from urllib.parse import quote
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.rotated_endpoint import RotatedEndpoint

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | RotatedEndpoint


def _request(endpoint_id: UUID, *, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/webhooks/endpoints/{endpoint_id}/secret/rotate".format(
            endpoint_id=quote(str(endpoint_id), safe="")
        ),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(RotatedEndpoint.from_dict)),
        ((401, 403, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
