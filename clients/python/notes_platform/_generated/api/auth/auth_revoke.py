"""POST /auth/revoke: Revoke

RFC 7009 token revocation; 200 whether or not the token was known.


Args:
    body: The form of `POST /auth/revoke` (RFC 7009 §2.1).

        `token` is required (a missing one is invalid_request); an empty one names
        no token, so nothing is revoked and the answer is 200, as for any token the
        server does not know (§2.2). FastAPI reads an empty form value as absent,
        hence the optional field here and the route's own check of the form's keys.
"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.o_auth_error_body import OAuthErrorBody
from ...models.revoke_form import RevokeForm

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError | OAuthErrorBody


def _request(*, client: AuthenticatedClient | Client, body: RevokeForm) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/revoke",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.nothing),
        ((400,), _operation.json(OAuthErrorBody.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
        ((429, 503, 504), _operation.json(ErrorDetail.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
