"""GET /auth/events: List Events

Every account's security events, newest first: `since` ≤ time < `until`.


"""

import datetime
from typing import TypeAlias
from uuid import UUID

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.events_list_type_type_0 import EventsListTypeType0
from ...models.http_validation_error import HTTPValidationError
from ...models.security_event_read import SecurityEventRead
from ...types import UNSET, Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[SecurityEventRead]


def _request(
    *,
    client: AuthenticatedClient,
    user_id: None | Unset | UUID = UNSET,
    type_: EventsListTypeType0 | None | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    until: datetime.datetime | None | Unset = UNSET,
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
    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, EventsListTypeType0):
        json_type_ = type_.value
    else:
        json_type_ = type_
    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    json_until: None | str | Unset
    if isinstance(until, Unset):
        json_until = UNSET
    elif isinstance(until, datetime.datetime):
        json_until = until.isoformat()
    else:
        json_until = until
    return _operation.request(
        client,
        "get",
        "/auth/events",
        params={
            "user_id": json_user_id,
            "type": json_type_,
            "since": json_since,
            "until": json_until,
            "offset": offset,
            "limit": limit,
        },
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(SecurityEventRead.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
