"""POST /auth/authorize: Authorize Step

A step of the pages (their forms post here): `step` = `signin` (with
`email` and `password`), `otp` (with the `mfa_token` the sign-in gave and
`otp`, a TOTP or recovery code, for an account with TOTP on), `allow` or
`deny`, the page's `csrf_token`, and the authorization request's parameters.


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.auth_authorize_step_body import AuthAuthorizeStepBody
from ...models.error_detail import ErrorDetail
from ...types import UNSET, Unset

_Parsed: TypeAlias = Any | ErrorDetail | str


def _request(
    *, client: AuthenticatedClient | Client, body: AuthAuthorizeStepBody | Unset = UNSET
) -> _operation.Request:
    headers: dict[str, Any] = {}
    _kwargs: dict[str, Any] = {}
    if not isinstance(body, Unset):
        _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return _operation.request(client, "post", "/auth/authorize", headers=headers, **_kwargs)


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200, 400, 403, 429, 503), _operation.text),
        ((303,), _operation.nothing),
        ((504,), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
