"""POST /auth/me/mfa/totp/disable: Disable Totp

Turn TOTP off: the current password and a code (TOTP or recovery).


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.totp_disable import TotpDisable

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(*, client: AuthenticatedClient, body: TotpDisable) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/me/mfa/totp/disable",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
