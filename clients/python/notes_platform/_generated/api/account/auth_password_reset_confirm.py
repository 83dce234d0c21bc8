"""POST /auth/password-reset/confirm: Confirm Password Reset

Set a new password with the emailed token; every session of the account ends.


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.password_reset_confirm import PasswordResetConfirm

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(
    *, client: AuthenticatedClient | Client, body: PasswordResetConfirm
) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/password-reset/confirm",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((400, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
