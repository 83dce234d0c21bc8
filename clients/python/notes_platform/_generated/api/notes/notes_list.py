"""GET /notes: List Notes

Args:
    cursor: Where to continue: taken from a `Link` header, opaque. Not with `offset`.
    q: Full-text search over title and description (web search syntax: words, "a phrase", or,
        -word). Best match first unless `sort` is given.
    sort: Order by this field, `-` for descending; ties by id.
"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.note_read import NoteRead
from ...models.notes_list_sort_type_0 import NotesListSortType0
from ...types import UNSET, Unset

_Parsed: TypeAlias = Any | ErrorDetail | list[NoteRead]


def _request(
    *,
    client: AuthenticatedClient,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    q: None | str | Unset = UNSET,
    sort: None | NotesListSortType0 | Unset = UNSET,
) -> _operation.Request:
    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    json_sort: None | str | Unset
    if isinstance(sort, Unset):
        json_sort = UNSET
    elif isinstance(sort, NotesListSortType0):
        json_sort = sort.value
    else:
        json_sort = sort
    return _operation.request(
        client,
        "get",
        "/notes",
        params={
            "offset": offset,
            "limit": limit,
            "cursor": json_cursor,
            "q": json_q,
            "sort": json_sort,
        },
    )


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(NoteRead.from_dict)),
        ((401, 403, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.nothing),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
