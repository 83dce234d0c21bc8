"""PATCH /auth/me: Update Me

A new `email` is pending until confirmed: a token is sent to it (POST
/auth/verify), the old address is told, and the answer shows the old one.


Args:
    body: A new password or email needs `current_password`: a stolen access token
        alone must not become a stolen account.
"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.user_read import UserRead
from ...models.user_update_me import UserUpdateMe

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | UserRead


def _request(*, client: AuthenticatedClient, body: UserUpdateMe) -> _operation.Request:
    return _operation.request(
        client,
        "patch",
        "/auth/me",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(UserRead.from_dict)),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
