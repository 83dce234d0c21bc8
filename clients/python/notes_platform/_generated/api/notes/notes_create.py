"""POST /notes: Create Note

Args:
    idempotency_key: Makes a retried POST safe: the same key with the same body within
        NOTES_IDEMPOTENCY_TTL_SECONDS (24 h) replays the first answer (`Idempotent-Replayed:
        true`) instead of creating another note. Keys are per user.
    body: Body of POST and PUT (PUT replaces the whole note). Unknown fields are ignored.
"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.note_read import NoteRead
from ...models.note_write import NoteWrite
from ...types import UNSET, Unset

_Parsed: TypeAlias = Any | ErrorDetail | NoteRead


def _request(
    *, client: AuthenticatedClient, body: NoteWrite, idempotency_key: None | str | Unset = UNSET
) -> _operation.Request:
    return _operation.request(
        client,
        "post",
        "/notes",
        headers={"Idempotency-Key": idempotency_key, "Content-Type": "application/json"},
        json=body.to_dict(),
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((201,), _operation.json(NoteRead.from_dict)),
        ((400, 401, 403, 409, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.nothing),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
