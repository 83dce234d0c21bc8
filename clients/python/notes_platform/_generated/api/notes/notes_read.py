"""GET /notes/{note_id}: Read Note

Args:
    if_none_match: ETags the client holds: 304 without a body when one is current
"""

from typing import Any, TypeAlias
from urllib.parse import quote

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.note_read import NoteRead
from ...types import UNSET, Unset

_Parsed: TypeAlias = Any | ErrorDetail | HTTPValidationError | NoteRead


def _request(
    note_id: int, *, client: AuthenticatedClient, if_none_match: None | str | Unset = UNSET
) -> _operation.Request:
    return _operation.request(
        client,
        "get",
        "/notes/{note_id}".format(note_id=quote(str(note_id), safe="")),
        headers={
            "If-None-Match": if_none_match,
        },
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(NoteRead.from_dict)),
        ((304,), _operation.nothing),
        ((401, 403, 404, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
