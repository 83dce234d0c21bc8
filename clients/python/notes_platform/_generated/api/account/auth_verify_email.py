"""POST /auth/verify: Verify Email

Prove an address with the emailed token: the account's (it becomes
verified) or a requested new one (it replaces the old; sessions end).


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.email_verification import EmailVerification
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(
    *, client: AuthenticatedClient | Client, body: EmailVerification
) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/verify",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((400, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
