"""PATCH /notes/{note_id}: Patch Note

JSON Merge Patch (RFC 7396): the fields given replace the note's; `null` is refused.


Args:
    if_match: Write only if the note's current ETag is one of these (or `*`: any existing
        note); otherwise 412 and nothing changes. Without it the write is unconditional.
    body: Body of PATCH, a JSON Merge Patch (RFC 7396): the fields given replace the note's.

        Merge Patch's `null` would remove a field, and no field of a note can go:
        `null` is refused like any other invalid value. Unknown fields are ignored.
    body: Body of PATCH, a JSON Merge Patch (RFC 7396): the fields given replace the note's.

        Merge Patch's `null` would remove a field, and no field of a note can go:
        `null` is refused like any other invalid value. Unknown fields are ignored.
"""

from typing import Any, TypeAlias
from urllib.parse import quote

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.note_patch import NotePatch
from ...models.note_read import NoteRead
from ...types import UNSET, Unset

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | NoteRead


def _request(
    note_id: int,
    *,
    client: AuthenticatedClient,
    body: NotePatch | Unset = UNSET,
    if_match: None | str | Unset = UNSET,
) -> _operation.Request:
    headers: dict[str, Any] = {
        "If-Match": if_match,
    }
    _kwargs: dict[str, Any] = {}
    if isinstance(body, NotePatch):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, NotePatch):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/merge-patch+json"
    return _operation.request(
        client,
        "patch",
        "/notes/{note_id}".format(note_id=quote(str(note_id), safe="")),
        headers=headers,
        **_kwargs,
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json(NoteRead.from_dict)),
        ((400, 401, 403, 404, 412, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
