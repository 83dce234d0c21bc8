"""POST /auth/me/tokens: Create My Token

A personal access token for scripts: `Authorization: Bearer np_pat_...`
on the notes API, limited to `scopes`, for `expires_in` seconds (at most
366 days). The token is in this answer only; keep it secret.


"""

from typing import TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.personal_token_create import PersonalTokenCreate
from ...models.personal_token_created import PersonalTokenCreated

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | PersonalTokenCreated


def _request(*, client: AuthenticatedClient, body: PersonalTokenCreate) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/auth/me/tokens",
        headers={"Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((201,), _operation.json(PersonalTokenCreated.from_dict)),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
