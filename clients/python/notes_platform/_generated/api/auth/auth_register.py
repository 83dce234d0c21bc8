"""POST /auth/register: Register

Create an account, unverified, and email the address a confirmation
token. The answer is the same for an address that has an account
already: its owner is emailed a notice instead, and nothing changes.


Args:
    body: Registration. Unknown fields (`is_active`, `is_superuser`, ...) are ignored.
"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.registration_accepted import RegistrationAccepted
from ...models.user_create import UserCreate

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | RegistrationAccepted


def _request(*, client: AuthenticatedClient | Client, body: UserCreate) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/register",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((202,), _operation.json(RegistrationAccepted.from_dict)),
        ((400, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
