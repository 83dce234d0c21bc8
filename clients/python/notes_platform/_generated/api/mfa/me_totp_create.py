"""POST /auth/me/mfa/totp: Start Totp Enrolment

Start (or restart) enrolment: a new secret, its `otpauth://` URI and
QR code. TOTP is on only once a code confirms it (POST .../totp/confirm).


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.totp_enrolment import TotpEnrolment

_Parsed: TypeAlias = ErrorDetail | TotpEnrolment


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "post", "/auth/me/mfa/totp")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((201,), _operation.json(TotpEnrolment.from_dict)),
        ((401, 409, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
