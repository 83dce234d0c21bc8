"""DELETE /notes/{note_id}: Delete Note

Args:
    if_match: Write only if the note's current ETag is one of these (or `*`: any existing
        note); otherwise 412 and nothing changes. Without it the write is unconditional.
"""

from typing import TypeAlias
from urllib.parse import quote

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.note_read import NoteRead
from ...types import UNSET, Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | NoteRead


def _request(
    note_id: int, *, client: AuthenticatedClient, if_match: None | str | Unset = UNSET
) -> _operation.Request:
    return _operation.request(
        client,
        "delete",
        "/notes/{note_id}".format(note_id=quote(str(note_id), safe="")),
        headers={
            "If-Match": if_match,
        },
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(NoteRead.from_dict)),
        ((401, 403, 404, 412, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
