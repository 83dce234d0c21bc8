"""GET /auth/me/mfa/totp: Totp Status

Whether TOTP is on (or an enrolment pending), and the unused recovery codes.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.totp_status import TotpStatus

_Parsed: TypeAlias = ErrorDetail | TotpStatus


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "get", "/auth/me/mfa/totp")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(TotpStatus.from_dict)),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
