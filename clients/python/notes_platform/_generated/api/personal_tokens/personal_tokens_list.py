"""GET /auth/personal-tokens: List Tokens

Every live personal access token (or one account's), newest first, a page at a time.


"""

from typing import TypeAlias
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.personal_token_of_user import PersonalTokenOfUser
from ...types import UNSET, Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[PersonalTokenOfUser]


def _request(
    *,
    client: AuthenticatedClient,
    user_id: None | Unset | UUID = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> _operation.Request:
    json_user_id: None | str | Unset
    if isinstance(user_id, Unset):
        json_user_id = UNSET
    elif isinstance(user_id, UUID):
        json_user_id = str(user_id)
    else:
        json_user_id = user_id
    return _operation.request(
        client,
        "get",
        "/auth/personal-tokens",
        params={"user_id": json_user_id, "offset": offset, "limit": limit},
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(PersonalTokenOfUser.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
