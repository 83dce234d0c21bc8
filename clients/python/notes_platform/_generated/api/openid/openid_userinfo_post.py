"""POST /auth/userinfo: Userinfo

Claims about the person a token granted `openid` was issued for
(`Authorization: Bearer`): `sub`; with scope `email`, `email` and
`email_verified`; with `profile`, `name` (when the account has one).
Without `openid`: 403 `insufficient_scope`.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.user_info import UserInfo

_Parsed: TypeAlias = ErrorDetail | UserInfo


def _request(*, client: AuthenticatedClient) -> _operation.Request:
    return _operation.request(client, "post", "/auth/userinfo")


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(UserInfo.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
