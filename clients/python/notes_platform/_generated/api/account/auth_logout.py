"""POST /auth/logout: Logout

End this session; with `everywhere=true`, every session of the account.
The access tokens of what ends are refused within the revocation bound. The
browser's sign-in session of the authorization pages ends too.


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import Unset

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError


def _request(
    *, client: AuthenticatedClient, everywhere: bool | Unset = False
) -> _operation.Request:
    return _operation.request(client, "post", "/auth/logout", params={"everywhere": everywhere})


_OPERATION = _operation.Operation[_Parsed](
    [
        ((204,), _operation.nothing),
        ((401, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
