"""POST /auth/me/mfa/totp/confirm: Confirm Totp Enrolment

Turn TOTP on with a code of the new authenticator: 10 recovery codes, shown once.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.recovery_code_list import RecoveryCodeList
from ...models.totp_code import TotpCode

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | RecoveryCodeList


def _request(*, client: AuthenticatedClient, body: TotpCode) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/me/mfa/totp/confirm",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(RecoveryCodeList.from_dict)),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
