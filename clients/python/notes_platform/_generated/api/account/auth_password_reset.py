"""POST /auth/password-reset: Request Password Reset

Email a single-use reset token to the account with this address, if any.

The answer, and the work done, are the same whether or not it exists.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.accepted import Accepted
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.password_reset_request import PasswordResetRequest

_Parsed: TypeAlias = Accepted | ErrorDetail | HTTPValidationError


def _request(
    *, client: AuthenticatedClient | Client, body: PasswordResetRequest
) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/password-reset",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((202,), _operation.json(Accepted.from_dict)),
        ((400, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
